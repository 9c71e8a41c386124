"""Households: the homes a community looks after (服务对象户)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class Household(Base):
    """A home the community looks after: what wishes, fund payouts and the case file are
    about. Anything shown beyond the community's coordinators names it by `code` only
    ("A17"); its label, place and address are for those coordinators. People who use the bot
    belong to one through `User.household_id`."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("community_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    code: Mapped[str] = mapped_column(String(8))  # "A17": unique within its community
    label: Mapped[str] = mapped_column(String(128))  # how coordinators know it: "周伯伯家"
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
