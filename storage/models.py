"""Typed SQLAlchemy models: the tables linli keeps."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with constraint names that Alembic can reproduce on every database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


def _enum(enum_class: type[enum.Enum]) -> Enum:
    """Enums stored as their string values, so a new member needs no ALTER TYPE."""
    return Enum(
        enum_class,
        native_enum=False,
        length=24,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class UserRole(enum.StrEnum):
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"


class User(Base):
    """A person who has talked to the bot; personal fields are emptied when they delete them."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_username: Mapped[str | None] = mapped_column(String(64))
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    role: Mapped[UserRole | None] = mapped_column(_enum(UserRole))
    display_name: Mapped[str | None] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32))
    area: Mapped[str | None] = mapped_column(String(128))
    address: Mapped[str | None] = mapped_column(String(200))  # exact: only for a claiming helper
    access_notes: Mapped[str | None] = mapped_column(String(300))
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    consent_at: Mapped[datetime | None]
    unreachable_at: Mapped[datetime | None]
    onboarded_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def is_onboarded(self) -> bool:
        return self.onboarded_at is not None and self.deleted_at is None


class Invite(Base):
    """A one-time code that gives a role. Only a hash of the code is kept."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[UserRole] = mapped_column(_enum(UserRole))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AuditEvent(Base):
    """Who did what to whom, and when: consent, role changes, data deletion, reveals."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject_at", "subject_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(48))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FsmState(Base):
    """A conversation in progress (aiogram FSM), kept so a restart loses nobody's place."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime]


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting to be sent (maybe not before `not_before`)
    CLAIMED = "claimed"  # taken by a sender, not yet tried: safe to hand back after a crash
    SENDING = "sending"  # the request to Telegram is under way
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it for good, or retries ran out
    BLOCKED = "blocked"  # the person blocked the bot (403)
    SKIPPED = "skipped"  # not tried: the person is unreachable, or the message was withdrawn
    INTERRUPTED = "interrupted"  # the sender died mid-request: delivery unknown, never resent


class OutboxMessage(Base):
    """One message to one chat, written in the transaction of the change that caused it, and
    sent later by the outbox sender, at most once."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "priority", "not_before"),
        Index("ix_outbox_messages_chat_status", "chat_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(default=0)
    method: Mapped[str] = mapped_column(String(32), default="sendMessage")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime]
    created_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(300))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="SET NULL"), index=True
    )


class VolunteerStatus(enum.StrEnum):
    PENDING = "pending"  # registered, waiting for a coordinator
    APPROVED = "approved"
    DECLINED = "declined"


class VolunteerProfile(Base):
    """What a volunteer offers, and whether a coordinator has approved them to see tasks."""

    __tablename__ = "volunteer_profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[VolunteerStatus] = mapped_column(
        _enum(VolunteerStatus), default=VolunteerStatus.PENDING
    )
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # RequestCategory values
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


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
    area: Mapped[str] = mapped_column(String(128), default="")  # what volunteers see before
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
    AREA = "area"  # a building or area, in `audience_value`
    LANGUAGE = "language"  # one of our locales, in `audience_value`
    CHECKINS = "checkins"  # people enrolled in daily check-ins


class Broadcast(Base):
    """A notice a coordinator sends to a segment of the community, maybe an event with RSVP.
    Its recipients are its outbox rows (`OutboxMessage.broadcast_id`), so progress is a count."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
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
