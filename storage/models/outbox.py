"""Messages waiting to leave (the outbox) and scheduler steps set aside after failing."""

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
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, _enum


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
