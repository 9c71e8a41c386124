"""Small wishes (点亮微心愿): what a household wishes for, verified by its coordinators and lit
by a neighbour."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class WishKind(enum.StrEnum):
    ITEM = "item"  # a winter coat, a school bag: anyone registered may give it
    SERVICE = "service"  # a month of tutoring: only an approved volunteer may take it on


class WishStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a coordinator to verify it
    OPEN = "open"  # verified: donors of its community see it and may light it
    LIT = "lit"  # a donor claimed it, until `due_at`
    DELIVERED = "delivered"  # the donor says it was brought (or left at the pick-up point)
    RECEIVED = "received"  # the household (or a coordinator for it) confirmed receipt
    DECLINED = "declined"
    CANCELLED = "cancelled"


class WishDelivery(enum.StrEnum):
    VOLUNTEER = "volunteer"  # handed over through a volunteer
    PICKUP = "pickup"  # left at the community's pick-up point


class Wish(Base):
    """One wish of a household. Donors see only `address_as`, `age_band`, the (approved) words
    and the area; never the household's label or address. `version` is bumped on every change,
    so a button drawn before it is stale; every change is a conditional UPDATE on it."""

    __tablename__ = "wishes"
    __table_args__ = (
        Index("ix_wishes_status_due", "status", "due_at"),
        Index("ix_wishes_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    for_someone: Mapped[bool] = mapped_column(default=False)  # posted by a coordinator for them
    kind: Mapped[WishKind] = mapped_column(_enum(WishKind))
    description: Mapped[str] = mapped_column(Text, default="")
    voice_file_id: Mapped[str | None] = mapped_column(String(255))
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    value_yuan: Mapped[int | None]  # approximate value
    address_as: Mapped[str] = mapped_column(String(32), default="")  # "王奶奶"
    age_band: Mapped[str] = mapped_column(String(16), default="")  # a code: "70s", "child"
    area: Mapped[str] = mapped_column(String(128), default="")  # the place's name
    status: Mapped[WishStatus] = mapped_column(_enum(WishStatus))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    donor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    lit_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]  # the claim's deadline
    reminded_at: Mapped[datetime | None]  # the donor was reminded of this claim
    times_lapsed: Mapped[int] = mapped_column(default=0)
    delivery: Mapped[WishDelivery | None] = mapped_column(_enum(WishDelivery))
    delivered_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    thanks_text: Mapped[str | None] = mapped_column(Text)
    thanks_voice_file_id: Mapped[str | None] = mapped_column(String(255))
    thanks_photo_file_id: Mapped[str | None] = mapped_column(String(255))
    thanked_at: Mapped[datetime | None]
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("wish_campaigns.id", ondelete="SET NULL"), index=True
    )


class WishCampaign(Base):
    """A campaign day (点亮心愿日): the verified wishes of a community, street or district
    (`node_id`) lit on one day, with a live counter in each of its groups."""

    __tablename__ = "wish_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    title: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class CampaignCounter(Base):
    """One live counter message ("已点亮 612 / 865") in one group. Its Telegram id is known
    once its outbox row is sent; `shown` is the digest of what it was last made to show (see
    `bot.delivery.cards.show`), so an edit that
    changes nothing is never queued."""

    __tablename__ = "wish_campaign_counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("wish_campaigns.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(16))
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    edit_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    shown: Mapped[str] = mapped_column(String(64), default="")
