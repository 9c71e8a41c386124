"""Broadcasts, events and the answers to them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class BroadcastStatus(enum.StrEnum):
    DRAFT = "draft"  # being written: only its author has seen a preview
    SCHEDULED = "scheduled"  # waits for `send_at`
    SENDING = "sending"  # its outbox rows are queued; progress is being reported
    DONE = "done"  # nothing of it is waiting any more; the report was sent
    CANCELLED = "cancelled"  # withdrawn before or while sending


class Audience(enum.StrEnum):
    EVERYONE = "everyone"
    RESIDENTS = "residents"
    VOLUNTEERS = "volunteers"
    AREA = "area"  # people of one place: its id, in `audience_value`
    LANGUAGE = "language"  # one of our locales, in `audience_value`
    CHECKINS = "checkins"  # people enrolled in daily check-ins


class Broadcast(Base):
    """A notice a coordinator sends to a segment of the community, maybe an event with RSVP.
    Its recipients are its outbox rows (`OutboxMessage.broadcast_id`), so progress is a count."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The community, street or district it goes to (the author's, or one below it).
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    status: Mapped[BroadcastStatus] = mapped_column(_enum(BroadcastStatus))
    audience: Mapped[Audience] = mapped_column(_enum(Audience))
    audience_value: Mapped[str | None] = mapped_column(String(128))
    # [{"locale": "zh_Hans", "text": "..."}, ...]: the first is for everyone without their own
    versions: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    media_kind: Mapped[str | None] = mapped_column(String(16))  # "photo" or "document"
    media_file_id: Mapped[str | None] = mapped_column(String(255))
    send_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    report_queued_at: Mapped[datetime | None]
    event_title: Mapped[str | None] = mapped_column(String(200))
    event_place: Mapped[str | None] = mapped_column(String(200))
    event_starts_at: Mapped[datetime | None]
    event_capacity: Mapped[int | None]
    event_going: Mapped[int] = mapped_column(default=0)  # "yes" answers: the capacity guard

    @property
    def is_event(self) -> bool:
        return self.event_starts_at is not None


class RsvpAnswer(enum.StrEnum):
    YES = "yes"
    NO = "no"


class EventResponse(Base):
    """One person's answer to an event; changing their mind updates the same row."""

    __tablename__ = "event_responses"
    __table_args__ = (UniqueConstraint("broadcast_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answer: Mapped[RsvpAnswer] = mapped_column(_enum(RsvpAnswer))
    at: Mapped[datetime]
