"""Communities and the levels above them, their groups' languages, and the people who asked
to be phoned."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class CommunityLevel(enum.StrEnum):
    DISTRICT = "district"  # 区
    STREET = "street"  # 街道
    COMMUNITY = "community"  # 社区: where people live; everything else belongs to one


class Community(Base):
    """A community, or a street or district above communities (`level`): one tree per
    deployment. People, requests, plans, pairings, broadcasts, places and invites belong to a
    community; a coordinator belongs to the node they act for, which may be a street or a
    district. A setting left empty is the parent's, and at the top the environment's."""

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="RESTRICT"), index=True
    )
    level: Mapped[CommunityLevel] = mapped_column(_enum(CommunityLevel))
    name: Mapped[str] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(32), unique=True)  # t.me/<bot>?start=c-<slug>
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet_hours: Mapped[str | None] = mapped_column(String(16))
    emergency_numbers: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    currency: Mapped[str | None] = mapped_column(String(3))  # ISO 4217: the fund's money
    pickup_point: Mapped[str | None] = mapped_column(String(128))  # where gifts may be left
    coordinator_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    volunteer_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime]


class ServedCommunity(Base):
    """A further community a volunteer serves, beyond the one they registered in."""

    __tablename__ = "served_communities"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class GroupChat(Base):
    """A group the bot posts to (the coordinators', the volunteers'), with the language its
    posts are written in, chosen by a coordinator in the group."""

    __tablename__ = "group_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    locale: Mapped[str] = mapped_column(String(16))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime]


class CallBack(Base):
    """Someone asked "please call me": on the coordinators' list until one marks it done."""

    __tablename__ = "call_backs"
    __table_args__ = (Index("ix_call_backs_done_at", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    asked_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class NumbersDigest(Base):
    """When a community's (street's, district's) coordinators get their weekly numbers: a
    weekday and an hour in its timezone. `next_due_at` (UTC) is all the scheduler reads; the
    job that sends a digest moves it on in the same transaction, so it goes once."""

    __tablename__ = "numbers_digests"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    weekday: Mapped[int]  # 0 Monday ... 6 Sunday
    hour: Mapped[int]  # 0 ... 23, local
    next_due_at: Mapped[datetime] = mapped_column(index=True)
    last_sent_at: Mapped[datetime | None]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime]
