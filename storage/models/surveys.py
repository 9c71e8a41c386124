"""A short periodic survey (服务评估) a coordinator set up for their community (or street, or
district): each round sent to the people it is for, their one-tap answers and optional
comment, and who did not answer."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class SurveyAudience(enum.StrEnum):
    RESIDENTS = "residents"
    VOLUNTEERS = "volunteers"
    BOTH = "both"


class Survey(Base):
    """One node's survey: who it goes to, which questions (keys of the fixed set in
    bot/services/surveys.py), and when: every `every_months` months on `day` at `hour`, local.
    `next_due_at` None: stopped. The scheduler claims a round by moving `next_due_at` on."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), unique=True
    )
    audience: Mapped[SurveyAudience] = mapped_column(_enum(SurveyAudience))
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    every_months: Mapped[int] = mapped_column(default=1)
    day: Mapped[int]
    hour: Mapped[int]
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime]


class SurveyRound(Base):
    """One sending of a survey. Closed (and reported to the coordinators) once `closes_at`
    passes; `closed_at` is set by the conditional UPDATE that claims the report."""

    __tablename__ = "survey_rounds"
    __table_args__ = (UniqueConstraint("survey_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    started_at: Mapped[datetime]
    closes_at: Mapped[datetime] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]


class SurveyInvite(Base):
    """One person asked in a round: the questions asked them (`questions`), how far they got
    (`step`: the index of the question awaited), and their comment. `user_id` None once they
    deleted their data (their taps stay, anonymous; the comment is erased)."""

    __tablename__ = "survey_invites"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    questions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    step: Mapped[int] = mapped_column(default=0)
    answered_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    comment_voice_file_id: Mapped[str | None] = mapped_column(String(255))
    commented_at: Mapped[datetime | None]


class SurveyAnswer(Base):
    """One tap: `value` on the question's scale (1 to its top)."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("invite_id", "question"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE"), index=True
    )
    invite_id: Mapped[int] = mapped_column(ForeignKey("survey_invites.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(32))
    value: Mapped[int]
    answered_at: Mapped[datetime]
