"""pickup points: each community's own place where donors may leave a wish's gift

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 16:30:00.000000

`communities.pickup_point` (empty: the street's or district's, else WISH_PICKUP_POINT), so two
communities of one deployment each name their own community centre.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("communities", sa.Column("pickup_point", sa.String(length=128), nullable=True))


def downgrade() -> None:
    op.drop_column("communities", "pickup_point")
