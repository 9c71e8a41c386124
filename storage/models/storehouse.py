"""The storehouse (义仓): goods a community keeps for its households, an append-only log of
what came in and went out, and neighbours' or shops' pledges of a recurring gift."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class MovementKind(enum.StrEnum):
    RECEIVED = "received"  # goods brought in (by a donor, anonymous, or a pledge)
    GIVEN = "given"  # goods given to a household (or to light a wish)


class PledgeCadence(enum.StrEnum):
    DAYS = "days"  # every `every_days` days (7: weekly)
    MONTHLY = "monthly"  # on the day of the month it started


class StoreItem(Base):
    """One kind of goods ("大米", kg). `stock` is kept: changed only by a conditional UPDATE
    in the transaction that writes the movement, so it always equals the log's sum and never
    goes below zero."""

    __tablename__ = "store_items"
    __table_args__ = (
        UniqueConstraint("community_id", "name"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    is_food: Mapped[bool] = mapped_column(default=False)  # has an expiry date per batch
    low_at: Mapped[int] = mapped_column(default=0)  # flagged at or below this stock
    stock: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class StoreMovement(Base):
    """One line of the log, never changed: goods received (a batch, with its expiry date for
    food, from a named donor, anonymous, or a pledge) or given (to a household, maybe to light
    one of its wishes). `quantity` is positive; the kind says which way it went."""

    __tablename__ = "store_movements"
    __table_args__ = (
        Index("ix_store_movements_item_kind", "item_id", "kind"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("store_items.id"))
    kind: Mapped[MovementKind] = mapped_column(_enum(MovementKind))
    quantity: Mapped[int]
    expires_on: Mapped[date | None] = mapped_column(Date)
    donor: Mapped[str | None] = mapped_column(String(64))  # None: anonymous (coordinators only)
    pledge_id: Mapped[int | None] = mapped_column(
        ForeignKey("store_pledges.id", ondelete="SET NULL"), index=True
    )
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    wish_id: Mapped[int | None] = mapped_column(ForeignKey("wishes.id", ondelete="SET NULL"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime]


class StorePledge(Base):
    """A recurring gift ("一袋米 每月") from a household (its members who use the bot are
    reminded when it is due) or a shop a coordinator named. `next_due_on` is moved on by the
    reminder's claim (a conditional UPDATE), so a reminder goes out once across processes."""

    __tablename__ = "store_pledges"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("store_items.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    shop_name: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int]
    cadence: Mapped[PledgeCadence] = mapped_column(_enum(PledgeCadence))
    every_days: Mapped[int] = mapped_column(default=0)
    starts_on: Mapped[date] = mapped_column(Date)
    next_due_on: Mapped[date] = mapped_column(Date, index=True)
    stopped_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
