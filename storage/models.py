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
    false,
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


class Place(Base):
    """A coarse place the coordinators define (a building, a block, an area): the only
    location anyone but a task's holder and the coordinators sees. Hidden places stay, for the
    people and requests that name them, but are no longer offered."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)  # order on the buttons
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


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
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    # The chosen place's name, kept in step by `bot.services.places`: never typed text.
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
    INTERRUPTED = "interrupted"  # stopped mid-request (at-most-once row): delivery unknown


class OutboxMessage(Base):
    """One message to one chat, written in the transaction of the change that caused it, and
    sent later by the outbox sender: at most once, or at least once for `at_least_once` rows."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "priority", "not_before"),
        Index("ix_outbox_messages_chat_status", "chat_id", "status"),
        Index("ix_outbox_messages_purge", "purged_at", "created_at"),
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
    # A claim is a lease: the sender renews it while it lives; once it has run out, any live
    # sender takes the row over (`storage.repositories.outbox.take_over_expired`).
    lease_expires_at: Mapped[datetime | None]
    # A message that protects a person (`bot.delivery.outbox.delivers_at_least_once`): sent
    # again when its request may not have arrived.
    at_least_once: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    purged_at: Mapped[datetime | None]  # the payload was dropped, OUTBOX_PURGE_DAYS after
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


class StepFailure(Base):
    """A scheduler step that raised: set aside with its reason (the error's type, never its
    text, which may quote personal details), tried again after `next_try_at`, and flagged to
    the coordinators once after a few tries. Deleted when the step succeeds."""

    __tablename__ = "step_failures"
    __table_args__ = (UniqueConstraint("job", "row_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(32))  # "checkin", "visit", ...
    row_id: Mapped[int]
    attempts: Mapped[int] = mapped_column(default=1)
    reason: Mapped[str] = mapped_column(String(120))
    first_failed_at: Mapped[datetime]
    next_try_at: Mapped[datetime] = mapped_column(index=True)
    flagged_at: Mapped[datetime | None]
