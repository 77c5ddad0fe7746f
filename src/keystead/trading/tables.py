"""Tables of the trading domain the `/v1` API serves: broker connections, bots,
positions, orders, variables, reports.

Value objects that are always read and written with their owner (a bot's entry
and exit conditions, adjustments and notifications; a position's or an order's
legs, submissions and fills) are JSON columns, validated by the wire models on
the way in. Things with an identity of their own, that the API lists, filters or
changes one by one, are tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keystead.store.models import Base


def owned_by_account() -> ForeignKey:
    return ForeignKey("accounts.id", ondelete="CASCADE")


class BrokerConnection(Base):
    __tablename__ = "broker_connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    account_id: Mapped[int] = mapped_column(owned_by_account(), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    account_number: Mapped[str] = mapped_column(String(40))
    """The account's number at the broker (not a keystead account number)."""
    broker: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16))
    net_liquidation_value: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[datetime | None]


class Bot(Base):
    __tablename__ = "bots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    account_id: Mapped[int] = mapped_column(owned_by_account(), index=True)
    broker_connection_id: Mapped[int] = mapped_column(
        ForeignKey("broker_connections.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    is_paper: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    symbol: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(50))
    notes: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(200), default="")
    last_active_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    entry_condition: Mapped[dict[str, Any]] = mapped_column(JSON)
    exit_condition: Mapped[dict[str, Any]] = mapped_column(JSON)
    adjustments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    notifications: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class Position(Base):
    __tablename__ = "positions"
    __table_args__ = (
        Index("ix_positions_account_entered", "account_id", "entered_at"),
        Index("ix_positions_bot_status", "bot_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    account_id: Mapped[int] = mapped_column(owned_by_account())
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(8))
    tags: Mapped[str] = mapped_column(String(200), default="")
    symbol: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(50))
    entered_at: Mapped[datetime]
    exited_at: Mapped[datetime | None]
    entry_bid: Mapped[float] = mapped_column(Float)
    entry_ask: Mapped[float] = mapped_column(Float)
    entry_price: Mapped[float] = mapped_column(Float)
    exit_bid: Mapped[float | None] = mapped_column(Float)
    exit_ask: Mapped[float | None] = mapped_column(Float)
    exit_price: Mapped[float | None] = mapped_column(Float)
    broker_fee: Mapped[float | None] = mapped_column(Float)
    entry_value: Mapped[float] = mapped_column(Float)
    exit_value: Mapped[float | None] = mapped_column(Float)
    max_risk: Mapped[float] = mapped_column(Float)
    profit_dollars: Mapped[float | None] = mapped_column(Float)
    starting_balance: Mapped[float] = mapped_column(Float)
    ending_balance: Mapped[float | None] = mapped_column(Float)
    underlying_at_entry: Mapped[float] = mapped_column(Float)
    underlying_at_exit: Mapped[float | None] = mapped_column(Float)
    vix_at_entry: Mapped[float] = mapped_column(Float)
    vix_at_exit: Mapped[float | None] = mapped_column(Float)
    legs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_account_submitted", "account_id", "submitted_at"),
        Index("ix_orders_bot", "bot_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    account_id: Mapped[int] = mapped_column(owned_by_account())
    bot_id: Mapped[int] = mapped_column(ForeignKey("bots.id", ondelete="CASCADE"))
    position_id: Mapped[int | None] = mapped_column(ForeignKey("positions.id", ondelete="SET NULL"))
    broker_order_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    type: Mapped[str] = mapped_column(String(8))
    duration: Mapped[str] = mapped_column(String(4))
    is_paper: Mapped[bool] = mapped_column(Boolean)
    symbol: Mapped[str] = mapped_column(String(16))
    original_quantity: Mapped[int] = mapped_column(Integer)
    current_quantity: Mapped[int] = mapped_column(Integer)
    filled_quantity: Mapped[int] = mapped_column(Integer)
    order_price: Mapped[float] = mapped_column(Float)
    fill_price: Mapped[float | None] = mapped_column(Float)
    broker_fee: Mapped[float | None] = mapped_column(Float)
    submitted_at: Mapped[datetime]
    filled_at: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    legs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    submissions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    fills: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class Variable(Base):
    """A named value a bot's conditions can test. Free-text variables not tied to a
    bot are set by the user; the others are computed from a bot's state."""

    __tablename__ = "variables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    account_id: Mapped[int] = mapped_column(owned_by_account(), index=True)
    bot_id: Mapped[int | None] = mapped_column(
        ForeignKey("bots.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    value: Mapped[str | None] = mapped_column(String(500))
    free_text_value: Mapped[str | None] = mapped_column(String(500))
    bot_value_to_set: Mapped[str | None] = mapped_column(String(60))
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    last_updated_at: Mapped[datetime | None]


class Report(Base):
    """A report's settings. Its results are computed from positions when read."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    account_id: Mapped[int] = mapped_column(owned_by_account(), index=True)
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10))
    completed_at: Mapped[datetime | None]
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    run_until_latest_date: Mapped[bool] = mapped_column(Boolean)
    is_public: Mapped[bool] = mapped_column(Boolean)
    symbol: Mapped[str] = mapped_column(String(16))
    nlv_source: Mapped[str] = mapped_column(String(30))
    nlv_amount: Mapped[float | None] = mapped_column(Float)
    bot_statuses: Mapped[list[str]] = mapped_column(JSON)
    bot_numbers: Mapped[list[str]] = mapped_column(JSON)
    bot_tags: Mapped[list[str]] = mapped_column(JSON)
    bot_position_tags: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime]
