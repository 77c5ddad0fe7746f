"""Wallet sign-in (nonces, wallet sessions) and the account API key (sealed secret, cooldown).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 20:47:38.138588
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wallet_nonces",
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("message_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("nonce"),
    )
    with op.batch_alter_table("wallet_nonces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wallet_nonces_expires_at"), ["expires_at"], unique=False
        )

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_key_generated_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("encrypted_secret", sa.Text(), nullable=True))

    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="password", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("encrypted_secret")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("account_key_generated_at")

    with op.batch_alter_table("wallet_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wallet_nonces_expires_at"))

    op.drop_table("wallet_nonces")
