"""Where each card of a help request was shown, so every change of the request can edit them
all: the coordinators' card, the volunteers' group post, the holder's card, a volunteer's
browsing copy and the resident's own."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


class CardAudience(enum.StrEnum):
    COORDINATORS = "coordinators"  # the full card with the review buttons
    GROUP = "group"  # the public post in the volunteers' group
    HOLDER = "holder"  # the card of the volunteer who took the task (address and phone)
    BROWSE = "browse"  # a public card in a volunteer's private chat, with its claim button
    RESIDENT = "resident"  # the resident's own card, with its cancel button


class RequestCard(Base):
    """One message showing a request. Its Telegram id is known once sent: directly for a
    reply, or through its outbox row (`outbox_id`) for a queued one. `shown` is a digest of
    what it was last made to show, so an edit that changes nothing is never queued."""

    __tablename__ = "request_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_requests.id", ondelete="CASCADE"), index=True
    )
    audience: Mapped[CardAudience] = mapped_column(_enum(CardAudience))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    # the outbox row that sends the card (None: sent as a reply), and its latest edit
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    edit_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL")
    )
    shown: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
