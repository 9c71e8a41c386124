"""places: the coarse places coordinators define; free-text areas become private

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:10:00.000000

Until now `users.area` (and its copy `help_requests.area`) held whatever a person typed when
registering ("幸福小区 3栋 502"), and volunteers saw it before claiming. From here on `area` is
only ever the name of a place the coordinators defined. What people typed is not lost: it moves
into the private address when that is empty, and otherwise to the front of the private access
notes, which only the claimer of a task and the coordinators see. No place is made from it:
typed text may hold a flat number.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Runs unchanged on SQLite and PostgreSQL (|| and substr are in both).
_KEEP_TYPED_AREA = (
    "UPDATE {table} SET address = substr(trim(area), 1, 200) "
    "WHERE trim(coalesce(area, '')) <> '' AND trim(coalesce(address, '')) = ''",
    "UPDATE {table} SET access_notes = substr(trim(area) || coalesce(' · ' || access_notes, ''), 1, 300) "
    "WHERE trim(coalesce(area, '')) <> '' AND trim(area) <> trim(address)",
    "UPDATE {table} SET area = {empty}",
)


def upgrade() -> None:
    op.create_table('places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_places'))
    )
    # A plain ADD COLUMN with its REFERENCES, never a batch "recreate": on SQLite (foreign keys
    # on) dropping the old users table would cascade-delete everyone's requests and plans.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in ('users', 'help_requests'):
        name = f'fk_{table}_place_id_places'
        if sqlite:
            op.execute(sa.text(
                f'ALTER TABLE {table} ADD COLUMN place_id INTEGER CONSTRAINT {name} '
                'REFERENCES places (id) ON DELETE SET NULL'
            ))
        else:
            op.add_column(table, sa.Column('place_id', sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(name), table, 'places', ['place_id'], ['id'], ondelete='SET NULL')
    for table, empty in (('users', 'NULL'), ('help_requests', "''")):
        for statement in _KEEP_TYPED_AREA:
            op.execute(sa.text(statement.format(table=table, empty=empty)))
    # An area broadcast still to be sent named typed text; it now names a place id.
    op.execute(sa.text(
        "UPDATE broadcasts SET audience_value = NULL WHERE audience = 'area' AND status IN ('draft', 'scheduled')"
    ))


def downgrade() -> None:
    # On SQLite this recreates the tables (SQLite cannot drop a column that references
    # another): take a copy of the database first.
    for table in ('help_requests', 'users'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_place_id_places'), type_='foreignkey')
            batch_op.drop_column('place_id')
    op.drop_table('places')
