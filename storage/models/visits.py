"""Visiting pairs and their visits."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class VisitCadence(enum.StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"
    QUARTERLY_CALL = "quarterly_call"  # "一对一结对": a phone call every quarter
    HALF_YEARLY_VISIT = "half_yearly_visit"  # and a visit every half year


class VisitKind(enum.StrEnum):
    VISIT = "visit"
    CALL = "call"


class Pairing(Base):
    """One volunteer paired with one resident on a recurring local schedule ("一对一结对").

    `next_visit_at` (UTC) is the next occurrence not yet written as a `Visit`; the scheduler
    reads only an index range of it. The safety code lives here, not on the person: it vouches
    for this volunteer only and retires with the pairing, so a former volunteer's code does not
    open the door."""

    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    cadence: Mapped[VisitCadence] = mapped_column(_enum(VisitCadence))
    weekday: Mapped[int | None]  # 0 Monday ... 6 Sunday: weekly and fortnightly
    month_day: Mapped[int | None]  # 1 ... 28: monthly, quarterly, half-yearly
    local_time: Mapped[str] = mapped_column(String(5))  # "HH:MM" in the resident's timezone
    safety_code: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_visit_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class VisitStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # coming up, not confirmed yet
    CONFIRMED = "confirmed"  # "I'll be there"
    CANCELLED = "cancelled"  # "I can't make it": the coordinators were told
    LOGGED = "logged"  # the volunteer said how it went


class VisitOutcome(enum.StrEnum):
    DONE = "done"
    NOBODY_HOME = "nobody_home"
    POSTPONED = "postponed"


class Visit(Base):
    """One occurrence of a pairing. `next_due_at` is when the scheduler must take `next_step`
    (1 remind the day before and tell the resident, 2 remind an hour before, 3 ask for the log,
    4 flag an unlogged visit); None when nothing more is to be done."""

    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("pairing_id", "scheduled_at"),
        Index("ix_visits_resident_logged", "resident_id", "logged_at"),
        Index("ix_visits_volunteer_status", "volunteer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[VisitKind] = mapped_column(_enum(VisitKind))
    scheduled_at: Mapped[datetime]
    status: Mapped[VisitStatus] = mapped_column(_enum(VisitStatus))
    next_step: Mapped[int] = mapped_column(default=1)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    outcome: Mapped[VisitOutcome | None] = mapped_column(_enum(VisitOutcome))
    wellbeing: Mapped[int | None]  # 0 very poor ... 4 very well
    note: Mapped[str | None] = mapped_column(Text)
    minutes: Mapped[int | None]
    logged_at: Mapped[datetime | None]
    flagged_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
