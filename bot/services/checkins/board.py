"""How today stands, for the people who look after the residents: the coordinators' board (of
the communities they act in), the residents a volunteer watches, and the enrolled residents who
have blocked the bot."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import communities
from bot.services.checkins.events import ALERTED
from bot.services.checkins.plans import is_paused
from bot.services.schedule import local_date
from storage.models import Checkin, CheckinPlan, CheckinStatus, User
from storage.repositories import checkins as queries


class BoardState(enum.StrEnum):
    ANSWERED = "answered"
    PENDING = "pending"  # sent and waiting, or not yet due today
    ESCALATED = "escalated"
    PAUSED = "paused"


@dataclass(frozen=True)
class BoardLine:
    resident: User
    state: BoardState
    checkin: Checkin | None


async def today_board(
    session: AsyncSession, coordinator: User, *, settings: Settings, clock: Clock, timezone: str
) -> list[BoardLine]:
    """Each enrolled resident of the coordinator's communities and how today stands:
    escalated first, then pending, paused, answered."""
    require(coordinator, Action.PLAN_CHECKINS)
    scope = await communities.scope_of(session, settings, coordinator)
    plans = await queries.active_plans(session, community_ids=scope)
    return await _board(session, plans, clock=clock, timezone=timezone)


async def watched_board(
    session: AsyncSession, volunteer: User, *, clock: Clock, timezone: str
) -> list[BoardLine]:
    """Today's board of the residents whose chain names this volunteer (only them)."""
    watched = await residents_watched_by(session, volunteer)
    if not watched:
        return []
    plans = await queries.active_plans(session, resident_ids=watched)
    return await _board(session, plans, clock=clock, timezone=timezone)


async def _board(
    session: AsyncSession, plans: list[CheckinPlan], *, clock: Clock, timezone: str
) -> list[BoardLine]:
    now = clock.now()
    people = await queries.people_by_id(session, {plan.resident_id for plan in plans})
    today = local_date(now, timezone)
    latest = await queries.latest_of_plans_on(session, today, [plan.id for plan in plans])
    lines = []
    for plan in plans:
        checkin = latest.get(plan.id)
        if is_paused(plan, now) or (checkin and checkin.status is CheckinStatus.PAUSED):
            state = BoardState.PAUSED
        elif checkin is None or checkin.status in (CheckinStatus.SCHEDULED, CheckinStatus.WAITING):
            state = BoardState.PENDING
        elif checkin.status in ALERTED:
            state = BoardState.ESCALATED
        else:
            state = BoardState.ANSWERED
        lines.append(BoardLine(people[plan.resident_id], state, checkin))
    order = [BoardState.ESCALATED, BoardState.PENDING, BoardState.PAUSED, BoardState.ANSWERED]
    lines.sort(key=lambda line: (order.index(line.state), line.resident.display_name or ""))
    return lines


async def unreachable_enrolled(session: AsyncSession, *, clock: Clock) -> list[User]:
    """Enrolled residents who have blocked the bot, each returned once (until they unblock)."""
    await queries.clear_unreachable_flags(session)
    found = []
    now = clock.now()
    for plan, resident in await queries.unflagged_unreachable(session):
        plan.unreachable_flagged_at = now
        found.append(resident)
    await session.flush()
    return found


async def residents_watched_by(session: AsyncSession, volunteer: User) -> set[int]:
    """Residents whose active chain names this volunteer: the ones they may check in for."""
    return set(await queries.residents_with_volunteer(session, volunteer.id))
