"""Concerns a neighbour raised (主动发现), the follow-ups they lead to, and a household's needs
assessment: the rows behind a case file that writes itself."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class ConcernStatus(enum.StrEnum):
    OPEN = "open"  # the coordinators are looking into it
    CLOSED = "closed"  # looked into: the reporter told, if they asked
    MERGED = "merged"  # the same household as another concern: closed with that one


class Concern(Base):
    """What a neighbour noticed about someone. Its words, voice note and photo are the
    reporter's and go only to the coordinators of the community (their group is theirs alone);
    the reporter hears at most that it was looked into. `version` makes old card buttons
    stale."""

    __tablename__ = "concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    voice_file_id: Mapped[str | None] = mapped_column(String(255))
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    building: Mapped[str | None] = mapped_column(String(64))
    person_name: Mapped[str | None] = mapped_column(String(64))
    wants_outcome: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # emergency words in it
    status: Mapped[ConcernStatus] = mapped_column(_enum(ConcernStatus), index=True)
    version: Mapped[int] = mapped_column(default=1)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), index=True
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("concerns.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class FollowUpKind(enum.StrEnum):
    CALL = "call"
    VISIT = "visit"


class FollowUp(Base):
    """A call or a visit someone owes a household by a due time. The scheduler takes
    `next_step` at `next_due_at` (1 remind the owner, 2 flag it overdue to the coordinators),
    claimed by a conditional UPDATE; None once done or flagged."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    concern_id: Mapped[int | None] = mapped_column(ForeignKey("concerns.id", ondelete="SET NULL"))
    kind: Mapped[FollowUpKind] = mapped_column(_enum(FollowUpKind))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_at: Mapped[datetime]
    next_step: Mapped[int] = mapped_column(default=1)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None]
    flagged_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Mobility(enum.StrEnum):
    GOOD = "good"
    LIMITED = "limited"  # a stick, a walker, no stairs
    HOUSEBOUND = "housebound"


class Hearing(enum.StrEnum):
    GOOD = "good"
    HARD = "hard"  # hard of hearing: call loudly, or visit


class LowIncome(enum.StrEnum):
    NONE = "none"
    DIBAO = "dibao"  # 低保: minimum living allowance
    DIBIAN = "dibian"  # 低边: just above it
    TEKUN = "tekun"  # 特困: extreme hardship support


class NeedsAssessment(Base):
    """A household's short needs assessment (None: not asked yet), for its coordinators only."""

    __tablename__ = "needs_assessments"

    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    lives_alone: Mapped[bool | None] = mapped_column(Boolean)
    mobility: Mapped[Mobility | None] = mapped_column(_enum(Mobility))
    hearing: Mapped[Hearing | None] = mapped_column(_enum(Hearing))
    low_income: Mapped[LowIncome | None] = mapped_column(_enum(LowIncome))
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)  # "zh", "yue", "en", ...
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class HouseholdMember(Base):
    """Someone of a household who does not use linli (an elder without a phone): named by its
    coordinators so that the case file shows everyone who lives there."""

    __tablename__ = "household_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))  # as the coordinator wrote it: "周伯伯，88岁"
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
