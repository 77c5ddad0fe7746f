"""Positions with their legs, and orders with their legs, submissions and fills."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from keystead.trading.wire.bots import BaseBrokerConnection, BasicBot
from keystead.trading.wire.types import (
    Instruction,
    Int,
    Moment,
    Number,
    OptionType,
    OrderStatus,
    PositionStatus,
    WireModel,
)


class PositionLeg(WireModel):
    status: PositionStatus
    type: OptionType
    action: Instruction
    instrument: str = Field(examples=["SPX260313P05600000"])
    expiration_date: dt.date
    days_to_expiration: Int
    days_to_expiration_at_exit: Int | None
    strike_price: float
    quantity: Int
    quantity_open: Int
    entered_at: Moment
    exited_at: Moment | None
    entry_bid: float
    entry_ask: float
    entry_price: float
    exit_bid: float | None
    exit_ask: float | None
    exit_price: float | None
    current_bid: float | None
    current_mid: float | None
    current_ask: float | None
    current_profit: float | None
    current_delta: float | None
    profit_dollars: float | None
    delta_at_entry: float
    delta_at_exit: float | None
    iv_at_entry: float
    iv_at_exit: float | None
    held_to_expiration: bool | None
    assigned: bool | None
    exercised: bool | None


class PositionResponse(WireModel):
    number: Number
    status: PositionStatus
    bot: BasicBot
    broker_connection: BaseBrokerConnection
    is_paper: bool
    tags: str
    symbol: str
    type: str
    entered_at: Moment
    exited_at: Moment | None
    entry_bid: float
    entry_ask: float
    entry_price: float
    exit_bid: float | None
    exit_ask: float | None
    exit_price: float | None
    broker_fee: float | None
    current_bid: float | None
    current_mid: float | None
    current_ask: float | None
    current_profit: float | None
    current_delta: float | None
    entry_value: float
    exit_value: float | None
    max_risk: float
    profit_dollars: float | None
    starting_balance: float
    ending_balance: float | None
    underlying_at_entry: float
    underlying_at_exit: float | None
    vix_at_entry: float
    vix_at_exit: float | None
    legs: list[PositionLeg]


class Leg(WireModel):
    number: Int
    type: OptionType
    instrument: str = Field(examples=["SPX260313P05600000"])
    expiration_date: Moment
    strike_price: float
    instruction: Instruction
    quantity: Int
    bid: float
    mid: float
    ask: float


class Submission(WireModel):
    quantity: Int | None
    price: float
    bid: float | None
    mid: float | None
    ask: float | None
    submitted_at: Moment


class Fill(WireModel):
    leg_number: Int
    quantity: Int
    price: float
    filled_at: Moment
    bid: float
    mid: float
    ask: float


class OrderResponse(WireModel):
    number: Number
    broker_order_number: str
    status: OrderStatus
    type: Literal["OPENING", "CLOSING"]
    duration: Literal["GTC", "DAY"]
    bot: BasicBot
    is_paper: bool
    symbol: str
    original_quantity: Int
    current_quantity: Int
    filled_quantity: Int
    order_price: float
    fill_price: float | None
    broker_fee: float | None
    submitted_at: Moment
    filled_at: Moment | None
    canceled_at: Moment | None
    legs: list[Leg]
    submissions: list[Submission | None]
    fills: list[Fill | None]
