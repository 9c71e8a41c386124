"""Daily check-ins: plans, their chains of contacts, each day's check-ins and what happened."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class CheckinPlanStatus(enum.StrEnum):
    PROPOSED = "proposed"  # written by a coordinator, waiting for the resident to agree
    ACTIVE = "active"
    STOPPED = "stopped"  # the resident or a coordinator ended it


class CheckinPlan(Base):
    """A resident's daily "are you OK?" check-ins: when (local times on chosen days), how long
    to wait before reminding and before alerting the chain, and the next time one is due.

    `next_checkin_at` is the only thing the scheduler reads: an index range of due plans, so a
    tick costs what is due, not what is enrolled."""

    __tablename__ = "checkin_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    status: Mapped[CheckinPlanStatus] = mapped_column(_enum(CheckinPlanStatus))
    times: Mapped[list[str]] = mapped_column(JSON, default=list)  # "HH:MM", local, 1 to 4
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 Monday ... 6 Sunday
    grace_minutes: Mapped[int] = mapped_column(default=30)
    first_alert_minutes: Mapped[int] = mapped_column(default=60)
    alert_every_minutes: Mapped[int] = mapped_column(default=60)
    next_checkin_at: Mapped[datetime | None] = mapped_column(index=True)
    paused_until: Mapped[datetime | None]  # "I'm away": nothing is sent before this moment
    covered_on: Mapped[date | None] = mapped_column(Date)  # a visit or call counted that day
    missed_in_row: Mapped[int] = mapped_column(default=0)  # unanswered until the chain was alerted
    unreachable_flagged_at: Mapped[datetime | None]  # coordinators told the bot is blocked
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    agreed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ContactKind(enum.StrEnum):
    VOLUNTEER = "volunteer"  # a paired volunteer, told in Telegram, who can knock on the door
    COORDINATORS = "coordinators"  # the coordinators (their group, or each privately)
    PERSON = "person"  # family or a neighbour who uses the bot
    PHONE = "phone"  # a name and number the coordinators will call


class CheckinContact(Base):
    """One link of a plan's escalation chain, alerted in `position` order."""

    __tablename__ = "checkin_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("checkin_plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[ContactKind] = mapped_column(_enum(ContactKind))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))  # only coordinators see it


class CheckinStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # not sent yet
    WAITING = "waiting"  # sent, no answer yet (maybe reminded)
    ESCALATED = "escalated"  # no answer, the chain is being alerted
    FINE = "fine"  # "I'm fine"
    HELP = "help"  # "I need help": an urgent request was made, the chain alerted
    PROXY = "proxy"  # someone answered for them ("I called her, she's fine")
    REACHED = "reached"  # someone of the chain reached them: all well
    PAUSED = "paused"  # away: not sent
    COVERED = "covered"  # a visit or call already counted that day: not sent
    SKIPPED = "skipped"  # its time fell in quiet hours while the bot was down: not sent


class Checkin(Base):
    """One check-in of one resident, and where its escalation stands. `next_due_at` is when
    the scheduler must take its next step (`next_step`: 0 send, 1 remind, 2 + k alert the
    k-th link of the chain); None when nothing more is to be done."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("plan_id", "scheduled_at"),
        Index("ix_checkins_resident_local_date", "resident_id", "local_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("checkin_plans.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scheduled_at: Mapped[datetime]
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[CheckinStatus] = mapped_column(_enum(CheckinStatus))
    next_step: Mapped[int] = mapped_column(default=0)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None]
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(String(300))


class CheckinEvent(Base):
    """Every step of a check-in: sent, reminded, alerted whom, answered, handled, by whom."""

    __tablename__ = "checkin_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("checkin_contacts.id", ondelete="SET NULL")
    )
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
