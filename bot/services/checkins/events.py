"""A check-in's history: each step, alert and answer is an event row, and a check-in is closed
once (a conditional UPDATE), whoever closes it first. Shared by the daily round, the answers and
"I'm away"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Checkin, CheckinContact, CheckinStatus, User
from storage.repositories import audit
from storage.repositories import checkins as queries

CLOSED = (
    CheckinStatus.FINE,
    CheckinStatus.PROXY,
    CheckinStatus.REACHED,
    CheckinStatus.PAUSED,
    CheckinStatus.COVERED,
    CheckinStatus.SKIPPED,
)
ALERTED = (CheckinStatus.ESCALATED, CheckinStatus.HELP)


def record_alert(
    session: AsyncSession,
    checkin: Checkin,
    contact: CheckinContact,
    now: datetime,
    detail: dict[str, object],
) -> None:
    """Who was alerted is who hears how it ends; a person alerted is shown the resident's
    address and phone, which the audit log keeps."""
    record_event(
        session,
        checkin,
        now,
        "alerted",
        recipient_id=contact.user_id,
        contact_id=contact.id,
        detail={"kind": contact.kind.value, **detail},
    )
    if contact.user_id is not None:
        audit.record(
            session,
            at=now,
            action="checkin.reveal",
            actor_id=contact.user_id,
            subject_id=checkin.resident_id,
            detail={"checkin_id": checkin.id},
        )


def record_event(
    session: AsyncSession,
    checkin: Checkin,
    at: datetime,
    action: str,
    *,
    actor_id: int | None = None,
    recipient_id: int | None = None,
    contact_id: int | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    queries.add_event(
        session,
        checkin_id=checkin.id,
        at=at,
        action=action,
        actor_id=actor_id,
        recipient_id=recipient_id,
        contact_id=contact_id,
        detail=dict(detail or {}),
    )


async def close_once(
    session: AsyncSession,
    checkin: Checkin,
    status: CheckinStatus,
    actor: User,
    now: datetime,
    *,
    action: str,
    detail: dict[str, object] | None = None,
) -> bool:
    """Close an open (or alerted) check-in once; False when someone closed it first."""
    if not await queries.set_if_status(
        session,
        checkin.id,
        [*queries.OPEN, CheckinStatus.HELP] if status is CheckinStatus.REACHED else queries.OPEN,
        status=status,
        answered_at=now,
        answered_by_id=actor.id,
        next_due_at=None,
    ):
        return False
    await session.refresh(checkin)
    record_event(session, checkin, now, action, actor_id=actor.id, detail=detail)
    await session.flush()
    return True
