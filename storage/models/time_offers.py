"""Time as a gift (爱心时间 offered): anyone registered, a household that was helped too, says
what they could give, for how long and when they are free; a coordinator matches it to a
request or a service wish, and once it was given the time is credited to their account."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class OfferStatus(enum.StrEnum):
    OPEN = "open"  # waiting for a coordinator to find a match
    MATCHED = "matched"  # matched to a request or a wish; not yet given
    DONE = "done"  # given, and credited (once) to the offerer's time account
    WITHDRAWN = "withdrawn"  # the offerer took it back


class TimeOffer(Base):
    """One offer of time. `words` are the offerer's (shown to them and to the coordinators of
    the community only); `kind` a code when a kind was tapped. `version` is bumped on every
    change, each a conditional UPDATE on it: two coordinators (or a double tap) match once."""

    __tablename__ = "time_offers"
    __table_args__ = (Index("ix_time_offers_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    offered_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str | None] = mapped_column(String(24))  # "company", "phone", ...
    words: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int]
    free_when: Mapped[str | None] = mapped_column(String(24))  # "weekends", ...
    free_words: Mapped[str] = mapped_column(String(200), default="")  # when, in their words
    status: Mapped[OfferStatus] = mapped_column(_enum(OfferStatus))
    version: Mapped[int] = mapped_column(default=1)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("help_requests.id", ondelete="SET NULL")
    )
    wish_id: Mapped[int | None] = mapped_column(ForeignKey("wishes.id", ondelete="SET NULL"))
    matched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    given_at: Mapped[datetime | None]
