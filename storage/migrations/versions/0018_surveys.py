"""surveys: a short periodic survey per community, its rounds, who was asked and their taps

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 13:00:00.000000

`surveys` holds, per community (street, district), who its survey goes to, its questions and
when it is next due; `survey_rounds` each sending and when it closes; `survey_invites` each
person asked (their comment erased with their data, their taps kept anonymous);
`survey_answers` the taps.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('residents', 'volunteers', 'both', name='surveyaudience', native_enum=False, length=24), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('every_months', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('next_due_at', UTC, nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_surveys_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_surveys_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('community_id', name=op.f('uq_surveys_community_id'))
    )
    op.create_index(op.f('ix_surveys_next_due_at'), 'surveys', ['next_due_at'], unique=False)
    op.create_table('survey_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('due_at', UTC, nullable=False),
    sa.Column('started_at', UTC, nullable=False),
    sa.Column('closes_at', UTC, nullable=False),
    sa.Column('closed_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_survey_rounds_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_rounds_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_rounds')),
    sa.UniqueConstraint('survey_id', 'due_at', name=op.f('uq_survey_rounds_survey_id'))
    )
    op.create_index(op.f('ix_survey_rounds_survey_id'), 'survey_rounds', ['survey_id'], unique=False)
    op.create_index(op.f('ix_survey_rounds_closes_at'), 'survey_rounds', ['closes_at'], unique=False)
    op.create_table('survey_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('answered_at', UTC, nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('comment_voice_file_id', sa.String(length=255), nullable=True),
    sa.Column('commented_at', UTC, nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_survey_invites_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_survey_invites_round_id_survey_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_invites_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invites')),
    sa.UniqueConstraint('round_id', 'user_id', name=op.f('uq_survey_invites_round_id'))
    )
    op.create_index(op.f('ix_survey_invites_round_id'), 'survey_invites', ['round_id'], unique=False)
    op.create_index(op.f('ix_survey_invites_user_id'), 'survey_invites', ['user_id'], unique=False)
    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('invite_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('answered_at', UTC, nullable=False),
    sa.ForeignKeyConstraint(['invite_id'], ['survey_invites.id'], name=op.f('fk_survey_answers_invite_id_survey_invites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_rounds.id'], name=op.f('fk_survey_answers_round_id_survey_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('invite_id', 'question', name=op.f('uq_survey_answers_invite_id'))
    )
    op.create_index(op.f('ix_survey_answers_round_id'), 'survey_answers', ['round_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_survey_answers_round_id'), table_name='survey_answers')
    op.drop_table('survey_answers')
    op.drop_index(op.f('ix_survey_invites_user_id'), table_name='survey_invites')
    op.drop_index(op.f('ix_survey_invites_round_id'), table_name='survey_invites')
    op.drop_table('survey_invites')
    op.drop_index(op.f('ix_survey_rounds_closes_at'), table_name='survey_rounds')
    op.drop_index(op.f('ix_survey_rounds_survey_id'), table_name='survey_rounds')
    op.drop_table('survey_rounds')
    op.drop_index(op.f('ix_surveys_next_due_at'), table_name='surveys')
    op.drop_table('surveys')
