"""Help requests and their history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class RequestCategory(enum.StrEnum):
    SHOPPING = "shopping"  # shopping and errands
    MEDICAL_ESCORT = "medical"
    HOME_REPAIR = "repair"
    MEALS = "meals"
    COMPANIONSHIP = "company"
    EMOTIONAL_SUPPORT = "emotional"
    PAPERWORK = "paperwork"  # paperwork and benefits
    OTHER = "other"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a coordinator to check it
    OPEN = "open"  # approved: volunteers can see and claim it
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"  # the volunteer is on their way
    DONE = "done"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    EXPIRED = "expired"


class RequestTiming(enum.StrEnum):
    ASAP = "asap"
    TODAY = "today"
    TOMORROW = "tomorrow"
    DAY = "day"  # a chosen day


class DayPart(enum.StrEnum):
    ANY = "any"
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


class HelpRequest(Base):
    """What a resident asked for, and where it stands. Its status changes only through
    `bot.services.requests.change_status`, which checks the transition and records it."""

    __tablename__ = "help_requests"
    __table_args__ = (
        Index("ix_help_requests_status_slot", "status", "slot_start"),
        Index("ix_help_requests_resident_status", "resident_id", "status"),
        Index("ix_help_requests_volunteer_status", "volunteer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    category: Mapped[RequestCategory] = mapped_column(_enum(RequestCategory))
    description: Mapped[str] = mapped_column(Text, default="")
    voice_file_id: Mapped[str | None] = mapped_column(String(255))
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    timing: Mapped[RequestTiming] = mapped_column(_enum(RequestTiming))
    slot_date: Mapped[date | None] = mapped_column(Date)  # in the resident's timezone
    day_part: Mapped[DayPart] = mapped_column(_enum(DayPart), default=DayPart.ANY)
    slot_start: Mapped[datetime]
    slot_end: Mapped[datetime]
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    area: Mapped[str] = mapped_column(String(128), default="")  # the place's name: all others see
    address: Mapped[str | None] = mapped_column(String(200))  # only the claimer sees these
    access_notes: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus))
    version: Mapped[int] = mapped_column(default=1)  # bumped on every change: stale buttons
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    minutes_spent: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(String(300))  # why rejected or cancelled
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id", ondelete="SET NULL")
    )
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None]
    unclaimed_flagged_at: Mapped[datetime | None]
    overdue_flagged_at: Mapped[datetime | None]


class RequestEvent(Base):
    """One step in a request's life: who moved it from which status to which, and when."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[RequestStatus | None] = mapped_column(_enum(RequestStatus))
    to_status: Mapped[RequestStatus | None] = mapped_column(_enum(RequestStatus))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
