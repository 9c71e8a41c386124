"""Queries of check-ins. What the scheduler does is claimed a batch at a time with one
conditional UPDATE ... RETURNING (still due), so two bot processes never take the same step;
on PostgreSQL rows another process holds are skipped (SKIP LOCKED)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Checkin,
    CheckinContact,
    CheckinEvent,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    ContactKind,
    OutboxMessage,
    OutboxStatus,
    User,
)

OPEN = (CheckinStatus.SCHEDULED, CheckinStatus.WAITING, CheckinStatus.ESCALATED)


async def plan_of(session: AsyncSession, resident_id: int) -> CheckinPlan | None:
    return await session.scalar(
        select(CheckinPlan)
        .where(CheckinPlan.resident_id == resident_id)
        .execution_options(populate_existing=True)
    )


async def set_plan_status_if(
    session: AsyncSession, plan_id: int, expected: CheckinPlanStatus, to: CheckinPlanStatus
) -> bool:
    result = await session.execute(
        update(CheckinPlan)
        .where(CheckinPlan.id == plan_id, CheckinPlan.status == expected)
        .values(status=to)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def claim_due_plans(
    session: AsyncSession, *, now: datetime, limit: int
) -> Sequence[CheckinPlan]:
    """Take active plans whose next check-in has come (an index range on `next_checkin_at`),
    in one statement. Until this transaction moves them on, nobody else gets them: PostgreSQL
    skips rows another process holds (SKIP LOCKED), and SQLite has one writer at a time, which
    then finds them no longer due."""
    due = (
        select(CheckinPlan.id)
        .where(CheckinPlan.next_checkin_at <= now, CheckinPlan.status == CheckinPlanStatus.ACTIVE)
        .order_by(CheckinPlan.next_checkin_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.scalars(
        update(CheckinPlan)
        .where(CheckinPlan.id.in_(due.scalar_subquery()), CheckinPlan.next_checkin_at <= now)
        .values(updated_at=now)
        .returning(CheckinPlan)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return result.all()


async def claim_due_checkins(
    session: AsyncSession, *, now: datetime, limit: int
) -> Sequence[Checkin]:
    """Take check-ins with a step due, in one statement, by clearing `next_due_at`: the caller
    sets it again for the step after, in the same transaction (so a crash takes nothing)."""
    due = (
        select(Checkin.id)
        .where(Checkin.next_due_at <= now)
        .order_by(Checkin.next_due_at, Checkin.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.scalars(
        update(Checkin)
        .where(Checkin.id.in_(due.scalar_subquery()), Checkin.next_due_at <= now)
        .values(next_due_at=None)
        .returning(Checkin)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return sorted(result.all(), key=lambda checkin: checkin.id)


async def due_again(session: AsyncSession, checkin_id: int, at: datetime) -> None:
    """A claimed step that failed is due again at `at` (its step was undone, not taken)."""
    await session.execute(
        update(Checkin)
        .where(Checkin.id == checkin_id)
        .values(next_due_at=at)
        .execution_options(synchronize_session=False)
    )


async def set_if_status(
    session: AsyncSession,
    checkin_id: int,
    statuses: Collection[CheckinStatus],
    **values: Any,
) -> bool:
    """Change a check-in only while it is in one of `statuses` (two answers at once: one wins)."""
    result = await session.execute(
        update(Checkin)
        .where(Checkin.id == checkin_id, Checkin.status.in_(list(statuses)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def take_handling(
    session: AsyncSession, checkin_id: int, user_id: int, *, now: datetime, next_due: datetime
) -> bool:
    """ "I'm handling it": the first to press it holds the check-in."""
    result = await session.execute(
        update(Checkin)
        .where(
            Checkin.id == checkin_id,
            Checkin.handler_id.is_(None),
            Checkin.status.in_((CheckinStatus.ESCALATED, CheckinStatus.HELP)),
        )
        .values(handler_id=user_id, handled_at=now, next_due_at=next_due)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def get(session: AsyncSession, checkin_id: int) -> Checkin | None:
    return await session.get(Checkin, checkin_id, populate_existing=True)


async def plans_by_id(session: AsyncSession, plan_ids: Collection[int]) -> dict[int, CheckinPlan]:
    if not plan_ids:
        return {}
    result = await session.scalars(select(CheckinPlan).where(CheckinPlan.id.in_(list(plan_ids))))
    return {plan.id: plan for plan in result}


async def people_by_id(session: AsyncSession, user_ids: Collection[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    result = await session.scalars(select(User).where(User.id.in_(list(user_ids))))
    return {user.id: user for user in result}


async def chains(
    session: AsyncSession, plan_ids: Collection[int]
) -> dict[int, list[CheckinContact]]:
    """Each plan's escalation chain, in order."""
    found: dict[int, list[CheckinContact]] = defaultdict(list)
    if plan_ids:
        result = await session.scalars(
            select(CheckinContact)
            .where(CheckinContact.plan_id.in_(list(plan_ids)))
            .order_by(CheckinContact.plan_id, CheckinContact.position, CheckinContact.id)
        )
        for contact in result:
            found[contact.plan_id].append(contact)
    return found


async def replace_chain(
    session: AsyncSession, plan_id: int, contacts: Sequence[CheckinContact]
) -> None:
    await session.execute(delete(CheckinContact).where(CheckinContact.plan_id == plan_id))
    for position, contact in enumerate(contacts):
        contact.plan_id = plan_id
        contact.position = position
        session.add(contact)
    await session.flush()


def add_event(
    session: AsyncSession,
    *,
    checkin_id: int,
    at: datetime,
    action: str,
    actor_id: int | None = None,
    recipient_id: int | None = None,
    contact_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> CheckinEvent:
    event = CheckinEvent(
        checkin_id=checkin_id,
        at=at,
        action=action,
        actor_id=actor_id,
        recipient_id=recipient_id,
        contact_id=contact_id,
        detail=detail or {},
    )
    session.add(event)
    return event


async def events_of(session: AsyncSession, checkin_id: int) -> list[CheckinEvent]:
    result = await session.scalars(
        select(CheckinEvent).where(CheckinEvent.checkin_id == checkin_id).order_by(CheckinEvent.id)
    )
    return list(result)


async def open_of_resident(
    session: AsyncSession, resident_id: int, *, on: date | None = None
) -> list[Checkin]:
    """Check-ins of a resident not yet answered (of one local day, when given)."""
    statement = select(Checkin).where(Checkin.resident_id == resident_id, Checkin.status.in_(OPEN))
    if on is not None:
        statement = statement.where(Checkin.local_date == on)
    result = await session.scalars(
        statement.order_by(Checkin.scheduled_at).execution_options(populate_existing=True)
    )
    return list(result)


async def latest_of_plans_on(
    session: AsyncSession, day: date, plan_ids: Collection[int]
) -> dict[int, Checkin]:
    """The latest check-in of each plan on a local day (the board)."""
    if not plan_ids:
        return {}
    result = await session.scalars(
        select(Checkin)
        .where(Checkin.local_date == day, Checkin.plan_id.in_(list(plan_ids)))
        .order_by(Checkin.scheduled_at)
    )
    return {checkin.plan_id: checkin for checkin in result}


async def active_plans(
    session: AsyncSession,
    *,
    community_ids: Collection[int] | None = None,
    resident_ids: Collection[int] | None = None,
) -> list[CheckinPlan]:
    """Active plans of residents of these communities (the coordinators' board), or of these
    residents (a volunteer's list)."""
    statement = select(CheckinPlan).where(CheckinPlan.status == CheckinPlanStatus.ACTIVE)
    if community_ids is not None:
        statement = statement.where(CheckinPlan.community_id.in_(list(community_ids)))
    if resident_ids is not None:
        statement = statement.where(CheckinPlan.resident_id.in_(list(resident_ids)))
    result = await session.scalars(statement.order_by(CheckinPlan.id))
    return list(result)


def active_resident_ids() -> Any:
    """A subquery: the residents whose check-ins are running."""
    return (
        select(CheckinPlan.resident_id)
        .where(CheckinPlan.status == CheckinPlanStatus.ACTIVE)
        .scalar_subquery()
    )


async def unflagged_unreachable(session: AsyncSession) -> list[tuple[CheckinPlan, User]]:
    """Enrolled residents who blocked the bot and whose coordinators have not been told."""
    result = await session.execute(
        select(CheckinPlan, User)
        .join(User, User.id == CheckinPlan.resident_id)
        .where(
            CheckinPlan.status == CheckinPlanStatus.ACTIVE,
            User.unreachable_at.is_not(None),
            CheckinPlan.unreachable_flagged_at.is_(None),
        )
    )
    return [(plan, user) for plan, user in result.all()]


async def clear_unreachable_flags(session: AsyncSession) -> None:
    """Reachable again: a later block is told again."""
    reachable = select(User.id).where(User.unreachable_at.is_(None))
    await session.execute(
        update(CheckinPlan)
        .where(
            CheckinPlan.unreachable_flagged_at.is_not(None),
            CheckinPlan.resident_id.in_(reachable.scalar_subquery()),
        )
        .values(unreachable_flagged_at=None)
        .execution_options(synchronize_session=False)
    )


# --- set-up screens (handlers/checkins/setup.py) --------------------------------------------


async def residents_with_volunteer(session: AsyncSession, volunteer_id: int) -> list[int]:
    """Residents whose active plan names this volunteer in its chain."""
    result = await session.scalars(
        select(CheckinPlan.resident_id)
        .join(CheckinContact, CheckinContact.plan_id == CheckinPlan.id)
        .where(
            CheckinPlan.status == CheckinPlanStatus.ACTIVE,
            CheckinContact.kind == ContactKind.VOLUNTEER,
            CheckinContact.user_id == volunteer_id,
        )
        .distinct()
    )
    return list(result)


async def forget_person(session: AsyncSession, user_id: int) -> None:
    """Someone deleted their data: their own check-ins stop (with their contacts' numbers), and
    they are no longer a link of anyone's chain."""
    plan_ids = select(CheckinPlan.id).where(CheckinPlan.resident_id == user_id).scalar_subquery()
    await session.execute(
        update(CheckinPlan)
        .where(CheckinPlan.resident_id == user_id)
        .values(status=CheckinPlanStatus.STOPPED, next_checkin_at=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Checkin)
        .where(Checkin.resident_id == user_id)
        .values(next_due_at=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(CheckinContact)
        .where((CheckinContact.plan_id.in_(plan_ids)) | (CheckinContact.user_id == user_id))
        .execution_options(synchronize_session=False)
    )


async def sent_messages_with(
    session: AsyncSession, chat_id: int, kinds: Collection[str], button_data: str, *, last: int = 5
) -> list[int]:
    """The Telegram ids of the latest messages of `kinds` sent to `chat_id` that carry a button
    with `button_data` (a check-in's answer buttons, to take off once it is answered)."""
    rows = await session.execute(
        select(OutboxMessage.telegram_message_id, OutboxMessage.payload)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.telegram_message_id.is_not(None),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(last)
    )
    found = []
    for message_id, payload in rows.all():
        rows_of_buttons = ((payload or {}).get("reply_markup") or {}).get("inline_keyboard", [])
        if any(b.get("callback_data") == button_data for row in rows_of_buttons for b in row):
            found.append(int(message_id))
    return found
