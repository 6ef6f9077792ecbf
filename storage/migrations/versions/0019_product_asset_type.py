"""A wealth product's asset type (资管新规 2018): fixed income, equity, commodities and derivatives, or mixed.

``products.asset_type``: the type sets the least a qualified investor buys of a private placement a purchase
(¥300,000 fixed income, ¥400,000 mixed, ¥1,000,000 equity or commodities and derivatives). NULL for every other
category, and for every product this migration finds: a private placement without one is held to the strictest
minimum (¥1,000,000) until the admin's product import records its type. The database refuses a type on any other
category, and any other code.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_CHECK = (
    "asset_type IS NULL OR (category = 'wealth' AND asset_type IN ('fixed_income', 'equity', 'commodity', 'mixed'))"
)


def upgrade() -> None:
    # A plain ADD COLUMN, as 0008's: a batch copy of ``products`` would drop a table others reference. SQLite takes
    # the check with the column; PostgreSQL as a constraint of the table (named as the ORM names it).
    if op.get_bind().dialect.name == "sqlite":
        check = sa.CheckConstraint(_CHECK, name=op.f("ck_products_asset_type"))
        op.add_column("products", sa.Column("asset_type", sa.String(length=16), check, nullable=True))
    else:
        op.add_column("products", sa.Column("asset_type", sa.String(length=16), nullable=True))
        op.create_check_constraint(op.f("ck_products_asset_type"), "products", _CHECK)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_products_asset_type"), "products", type_="check")
    op.drop_column("products", "asset_type")  # SQLite 3.35+ drops a column in place, its own check with it
