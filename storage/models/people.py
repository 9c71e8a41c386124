"""People and what belongs to them: users, places, invites, the audit log, conversation
state, volunteer profiles."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


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
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
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
    # Where they live, or for a coordinator the community, street or district they act for;
    # None only while someone is still registering.
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(128))
    phone: Mapped[str | None] = mapped_column(String(32))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    # The chosen place's name, kept in step by `bot.services.places`: never typed text.
    area: Mapped[str | None] = mapped_column(String(128))
    # The home the community looks after them in (wishes, payouts, the case file), if any.
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True
    )
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
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
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
