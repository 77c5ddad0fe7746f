"""Rolled secrets in their grace period, per-token IP allowlists, usage analytics.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("previous_preview", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("previous_expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("allowed_ips", sa.JSON(), nullable=True))
        batch_op.create_unique_constraint("uq_api_tokens_previous_hash", ["previous_hash"])

    op.create_table(
        "token_usage",
        sa.Column("credential_id", sa.String(length=10), nullable=False),
        sa.Column("hour_start", sa.DateTime(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.Column("client_errors", sa.Integer(), nullable=False),
        sa.Column("rate_limited", sa.Integer(), nullable=False),
        sa.Column("server_errors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["credential_id"], ["api_tokens.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("credential_id", "hour_start"),
    )
    with op.batch_alter_table("token_usage", schema=None) as batch_op:
        batch_op.create_index(
            "ix_token_usage_account_id_hour_start", ["account_id", "hour_start"], unique=False
        )
        batch_op.create_index("ix_token_usage_hour_start", ["hour_start"], unique=False)

    op.create_table(
        "token_usage_clients",
        sa.Column("credential_id", sa.String(length=10), nullable=False),
        sa.Column("hour_start", sa.DateTime(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["credential_id"], ["api_tokens.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("credential_id", "hour_start", "client"),
    )
    with op.batch_alter_table("token_usage_clients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_token_usage_clients_account_id_hour_start",
            ["account_id", "hour_start"],
            unique=False,
        )
        batch_op.create_index("ix_token_usage_clients_hour_start", ["hour_start"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("token_usage_clients", schema=None) as batch_op:
        batch_op.drop_index("ix_token_usage_clients_hour_start")
        batch_op.drop_index("ix_token_usage_clients_account_id_hour_start")
    op.drop_table("token_usage_clients")
    with op.batch_alter_table("token_usage", schema=None) as batch_op:
        batch_op.drop_index("ix_token_usage_hour_start")
        batch_op.drop_index("ix_token_usage_account_id_hour_start")
    op.drop_table("token_usage")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint("uq_api_tokens_previous_hash", type_="unique")
        batch_op.drop_column("allowed_ips")
        batch_op.drop_column("previous_expires_at")
        batch_op.drop_column("previous_preview")
        batch_op.drop_column("previous_hash")
