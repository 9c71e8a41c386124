"""The audit log: append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent


def record(
    session: AsyncSession,
    *,
    at: datetime,
    action: str,
    actor_id: int | None,
    subject_id: int | None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=at, action=action, actor_id=actor_id, subject_id=subject_id, detail=detail or {}
    )
    session.add(event)
    return event


async def for_subject(session: AsyncSession, subject_id: int) -> list[AuditEvent]:
    result = await session.scalars(
        select(AuditEvent).where(AuditEvent.subject_id == subject_id).order_by(AuditEvent.id)
    )
    return list(result)
