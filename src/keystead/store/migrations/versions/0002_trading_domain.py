"""The trading domain: broker connections, bots, positions, orders, variables, reports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 20:32:16.152091
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broker_connections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("account_number", sa.String(length=40), nullable=False),
        sa.Column("broker", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("net_liquidation_value", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("broker_connections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broker_connections_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("run_until_latest_date", sa.Boolean(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("nlv_source", sa.String(length=30), nullable=False),
        sa.Column("nlv_amount", sa.Float(), nullable=True),
        sa.Column("bot_statuses", sa.JSON(), nullable=False),
        sa.Column("bot_numbers", sa.JSON(), nullable=False),
        sa.Column("bot_tags", sa.JSON(), nullable=False),
        sa.Column("bot_position_tags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_account_id"), ["account_id"], unique=False)

    op.create_table(
        "bots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("broker_connection_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("is_paper", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tags", sa.String(length=200), nullable=False),
        sa.Column("last_active_at", sa.DateTime(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.Column("entry_condition", sa.JSON(), nullable=False),
        sa.Column("exit_condition", sa.JSON(), nullable=False),
        sa.Column("adjustments", sa.JSON(), nullable=False),
        sa.Column("notifications", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["broker_connection_id"], ["broker_connections.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("bots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bots_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bots_broker_connection_id"), ["broker_connection_id"], unique=False
        )

    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("tags", sa.String(length=200), nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("exited_at", sa.DateTime(), nullable=True),
        sa.Column("entry_bid", sa.Float(), nullable=False),
        sa.Column("entry_ask", sa.Float(), nullable=False),
        sa.Column("entry_price", sa.Float(), nullable=False),
        sa.Column("exit_bid", sa.Float(), nullable=True),
        sa.Column("exit_ask", sa.Float(), nullable=True),
        sa.Column("exit_price", sa.Float(), nullable=True),
        sa.Column("broker_fee", sa.Float(), nullable=True),
        sa.Column("entry_value", sa.Float(), nullable=False),
        sa.Column("exit_value", sa.Float(), nullable=True),
        sa.Column("max_risk", sa.Float(), nullable=False),
        sa.Column("profit_dollars", sa.Float(), nullable=True),
        sa.Column("starting_balance", sa.Float(), nullable=False),
        sa.Column("ending_balance", sa.Float(), nullable=True),
        sa.Column("underlying_at_entry", sa.Float(), nullable=False),
        sa.Column("underlying_at_exit", sa.Float(), nullable=True),
        sa.Column("vix_at_entry", sa.Float(), nullable=False),
        sa.Column("vix_at_exit", sa.Float(), nullable=True),
        sa.Column("legs", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["bot_id"], ["bots.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_positions_account_entered", ["account_id", "entered_at"], unique=False
        )
        batch_op.create_index("ix_positions_bot_status", ["bot_id", "status"], unique=False)

    op.create_table(
        "variables",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("bot_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=True),
        sa.Column("free_text_value", sa.String(length=500), nullable=True),
        sa.Column("bot_value_to_set", sa.String(length=60), nullable=True),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("last_updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["bot_id"], ["bots.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("variables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_variables_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_variables_bot_id"), ["bot_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("position_id", sa.Integer(), nullable=True),
        sa.Column("broker_order_number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("duration", sa.String(length=4), nullable=False),
        sa.Column("is_paper", sa.Boolean(), nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("original_quantity", sa.Integer(), nullable=False),
        sa.Column("current_quantity", sa.Integer(), nullable=False),
        sa.Column("filled_quantity", sa.Integer(), nullable=False),
        sa.Column("order_price", sa.Float(), nullable=False),
        sa.Column("fill_price", sa.Float(), nullable=True),
        sa.Column("broker_fee", sa.Float(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("filled_at", sa.DateTime(), nullable=True),
        sa.Column("canceled_at", sa.DateTime(), nullable=True),
        sa.Column("legs", sa.JSON(), nullable=False),
        sa.Column("submissions", sa.JSON(), nullable=False),
        sa.Column("fills", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["bot_id"], ["bots.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["position_id"], ["positions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_account_submitted", ["account_id", "submitted_at"], unique=False
        )
        batch_op.create_index("ix_orders_bot", ["bot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_bot")
        batch_op.drop_index("ix_orders_account_submitted")

    op.drop_table("orders")
    with op.batch_alter_table("variables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_variables_bot_id"))
        batch_op.drop_index(batch_op.f("ix_variables_account_id"))

    op.drop_table("variables")
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_index("ix_positions_bot_status")
        batch_op.drop_index("ix_positions_account_entered")

    op.drop_table("positions")
    with op.batch_alter_table("bots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bots_broker_connection_id"))
        batch_op.drop_index(batch_op.f("ix_bots_account_id"))

    op.drop_table("bots")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_account_id"))

    op.drop_table("reports")
    with op.batch_alter_table("broker_connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broker_connections_account_id"))

    op.drop_table("broker_connections")
