"""Answers to a check-in: the resident's ("I'm fine 👍", "I need help 🙋"), the chain's on an
alert ("I'm handling it", "Reached them", "Could not reach them"), and on the resident's behalf
("I called her, she's fine", or a logged visit). Each is checked against the person and the
check-in as it is now, changes it once, and returns an `Outcome`: who must hear of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, may
from bot.services import communities
from bot.services import requests as request_service
from bot.services.checkins.events import ALERTED, CLOSED, close_once, record_alert, record_event
from bot.services.checkins.plans import chain_of
from bot.services.checkins.round import NEVER_QUIET, DueStep, take_step
from bot.services.errors import CheckinAnswered, CheckinNotFound, CheckinTaken, NotAllowed
from bot.services.schedule import local_date
from storage.models import (
    Checkin,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    ContactKind,
    RequestCategory,
    User,
)
from storage.repositories import checkins as queries


@dataclass
class Outcome:
    """What an answer changed, and who must hear of it: everyone alerted so far."""

    checkin: Checkin
    resident: User
    was_alerted: bool
    alerted: list[User] = field(default_factory=list)
    coordinators_alerted: bool = False
    actor: User | None = None


# --- the resident's answers ----------------------------------------------------------------


async def answer_fine(
    session: AsyncSession, resident: User, checkin_id: int, *, clock: Clock
) -> Outcome:
    """ "I'm fine 👍". A late answer clears the alert; everyone alerted is to be told."""
    checkin = await _own_checkin(session, resident, checkin_id)
    was_alerted = checkin.status in ALERTED
    if checkin.status is CheckinStatus.HELP:
        raise CheckinAnswered()
    now = clock.now()
    if not await close_once(session, checkin, CheckinStatus.FINE, resident, now, action="fine"):
        raise CheckinAnswered()
    plan = await queries.plan_of(session, resident.id)
    if plan is not None and not was_alerted:
        plan.missed_in_row = 0
    return await _outcome(session, checkin, resident, was_alerted, resident)


async def answer_need_help(
    session: AsyncSession, resident: User, checkin_id: int, *, clock: Clock
) -> tuple[Outcome, int]:
    """ "I need help 🙋": an urgent request, and the whole chain is alerted at once. Returns the
    outcome and the request's id. Allowed even after "I'm fine" (things change in a day)."""
    checkin = await _own_checkin(session, resident, checkin_id, closed_ok=True)
    if checkin.status is CheckinStatus.HELP:
        raise CheckinAnswered()
    now = clock.now()
    was_alerted = checkin.status is CheckinStatus.ESCALATED
    request = await request_service.submit_emergency(
        session, resident, category=RequestCategory.OTHER, clock=clock
    )
    if not await queries.set_if_status(
        session,
        checkin.id,
        [s for s in CheckinStatus if s is not CheckinStatus.HELP],
        status=CheckinStatus.HELP,
        answered_at=now,
        answered_by_id=resident.id,
        request_id=request.id,
        next_due_at=None,
        escalated_at=checkin.escalated_at or now,
    ):
        raise CheckinAnswered()
    await session.refresh(checkin)
    record_event(session, checkin, now, "need_help", actor_id=resident.id)
    plan = await queries.plan_of(session, resident.id)
    chain = await chain_of(session, plan) if plan else []
    for contact in chain:
        record_alert(session, checkin, contact, now, {"need_help": True})
    await session.flush()
    outcome = await _outcome(session, checkin, resident, was_alerted, resident)
    return outcome, request.id


async def open_checkin_of(session: AsyncSession, resident: User) -> Checkin | None:
    """The check-in a typed "I'm fine" or "I need help" answers: the latest one sent to
    `resident` and not answered yet (None: none is open, the words mean something else)."""
    sent = (CheckinStatus.WAITING, CheckinStatus.ESCALATED)
    waiting = [c for c in await queries.open_of_resident(session, resident.id) if c.status in sent]
    return waiting[-1] if waiting else None


async def answer_buttons_sent(
    session: AsyncSession, resident: User, checkin_id: int, button_data: str
) -> list[int]:
    """The messages of her check-in that still show its answer buttons (`button_data` is one
    of them, packed): taken off once she has answered by typing."""
    return await queries.sent_messages_with(
        session, resident.telegram_id, ("checkin", "checkin.reminder"), button_data
    )


async def _own_checkin(
    session: AsyncSession, resident: User, checkin_id: int, *, closed_ok: bool = False
) -> Checkin:
    checkin = await queries.get(session, checkin_id)
    if checkin is None or checkin.resident_id != resident.id:
        raise CheckinNotFound()
    if checkin.status in CLOSED and not closed_ok:
        raise CheckinAnswered()
    return checkin


async def _outcome(
    session: AsyncSession, checkin: Checkin, resident: User, was_alerted: bool, actor: User
) -> Outcome:
    outcome = Outcome(checkin, resident, was_alerted, actor=actor)
    if not was_alerted and checkin.status is not CheckinStatus.HELP:
        return outcome
    ids: list[int] = []
    for event in await queries.events_of(session, checkin.id):
        if event.action != "alerted":
            continue
        if event.detail.get("kind") == ContactKind.COORDINATORS.value or (
            event.detail.get("kind") == ContactKind.PHONE.value
        ):
            outcome.coordinators_alerted = True
        if event.recipient_id and event.recipient_id not in ids and event.recipient_id != actor.id:
            ids.append(event.recipient_id)
    people = await queries.people_by_id(session, ids)
    outcome.alerted = [people[i] for i in ids if i in people]
    return outcome


# --- the chain's answers -------------------------------------------------------------------


async def _acts_for(
    session: AsyncSession, settings: Settings, actor: User, community_id: int | None
) -> bool:
    """A coordinator acting in the resident's community (not another community's)."""
    return may(actor, Action.ACT_ON_ANY_CHECKIN) and community_id in await communities.scope_of(
        session, settings, actor
    )


async def _alerted_checkin(
    session: AsyncSession, actor: User, checkin_id: int, settings: Settings
) -> Checkin:
    """A check-in `actor` may act on: they were alerted to it, or they are a coordinator of
    the resident's community (another community's coordinator is refused: NotAllowed)."""
    checkin = await queries.get(session, checkin_id)
    if checkin is None:
        raise CheckinNotFound()
    plan = await session.get(CheckinPlan, checkin.plan_id)
    if await _acts_for(session, settings, actor, plan.community_id if plan else None):
        return checkin
    alerted = {
        event.recipient_id
        for event in await queries.events_of(session, checkin.id)
        if event.action == "alerted"
    }
    # someone alerted in person (a coordinator of another community may be family)
    if actor.id not in alerted or not may(actor, Action.ACT_ON_ALERT, alerted):
        raise NotAllowed()
    return checkin


async def take_on(
    session: AsyncSession, actor: User, checkin_id: int, *, settings: Settings, clock: Clock
) -> Outcome:
    """ "I'm handling it": one person takes it; the chain waits a round for their report before
    the next link is alerted."""
    checkin = await _alerted_checkin(session, actor, checkin_id, settings)
    if checkin.status not in ALERTED:
        raise CheckinAnswered()
    if checkin.handler_id is not None:
        if checkin.handler_id == actor.id:
            raise CheckinAnswered()
        handler = await session.get(User, checkin.handler_id)
        raise CheckinTaken(handler.display_name if handler else None)
    now = clock.now()
    plan = await session.get(CheckinPlan, checkin.plan_id)
    every = timedelta(minutes=plan.alert_every_minutes if plan else 60)
    next_due = now + every if checkin.next_due_at is not None else None
    if not await queries.take_handling(session, checkin.id, actor.id, now=now, next_due=next_due):
        await session.refresh(checkin)
        handler = await session.get(User, checkin.handler_id) if checkin.handler_id else None
        raise CheckinTaken(handler.display_name if handler else None)
    await session.refresh(checkin)
    record_event(session, checkin, now, "handling", actor_id=actor.id)
    await session.flush()
    resident = await session.get(User, checkin.resident_id)
    assert resident is not None
    return await _outcome(session, checkin, resident, True, actor)


async def report_reached(
    session: AsyncSession, actor: User, checkin_id: int, *, settings: Settings, clock: Clock
) -> Outcome:
    """ "Reached them, all well": closes the check-in; everyone alerted is told."""
    checkin = await _alerted_checkin(session, actor, checkin_id, settings)
    resident = await session.get(User, checkin.resident_id)
    assert resident is not None
    was_alerted = checkin.status in ALERTED
    now = clock.now()
    if not await close_once(session, checkin, CheckinStatus.REACHED, actor, now, action="reached"):
        raise CheckinAnswered()
    return await _outcome(session, checkin, resident, was_alerted, actor)


async def report_not_reached(
    session: AsyncSession, actor: User, checkin_id: int, *, settings: Settings, clock: Clock
) -> tuple[Outcome, DueStep | None]:
    """ "Could not reach them": recorded, the hold is released, and the next link of the chain
    is alerted at once (returned as the step to tell), unless the chain is already at its end."""
    checkin = await _alerted_checkin(session, actor, checkin_id, settings)
    if checkin.status not in ALERTED:
        raise CheckinAnswered()
    now = clock.now()
    walking = checkin.next_due_at is not None
    if not await queries.set_if_status(
        session, checkin.id, ALERTED, handler_id=None, handled_at=None, next_due_at=None
    ):
        raise CheckinAnswered()
    await session.refresh(checkin)
    record_event(session, checkin, now, "not_reached", actor_id=actor.id)
    resident = await session.get(User, checkin.resident_id)
    plan = await session.get(CheckinPlan, checkin.plan_id)
    assert resident is not None and plan is not None
    step = None
    if walking:
        chain = await chain_of(session, plan)
        step = take_step(session, checkin, plan, chain, resident, now, NEVER_QUIET)
        if step is not None and step.contact is not None and step.contact.user_id:
            step.contact_user = await session.get(User, step.contact.user_id)
    await session.flush()
    return await _outcome(session, checkin, resident, True, actor), step


# --- on someone's behalf -------------------------------------------------------------------


async def may_check_in_for(
    session: AsyncSession, actor: User, resident_id: int, *, settings: Settings
) -> bool:
    """The coordinators of the resident's community, and the volunteers in their chain."""
    plan = await queries.plan_of(session, resident_id)
    if plan is None:
        resident = await session.get(User, resident_id)
        community = resident.community_id if resident is not None else None
        return await _acts_for(session, settings, actor, community)
    if await _acts_for(session, settings, actor, plan.community_id):
        return True
    chain = await chain_of(session, plan)  # a volunteer of her chain, of whichever community
    named = any(c.user_id == actor.id and c.kind is ContactKind.VOLUNTEER for c in chain)
    return named and may(actor, Action.CHECK_IN_FOR, chain)


async def plan_to_cover(
    session: AsyncSession, actor: User, resident_id: int, *, settings: Settings, clock: Clock
) -> tuple[User, bool]:
    """The resident `actor` may check in for (NotAllowed), with active check-ins
    (CheckinNotFound), and whether today is already covered."""
    if not await may_check_in_for(session, actor, resident_id, settings=settings):
        raise NotAllowed()
    resident = await session.get(User, resident_id)
    plan = await queries.plan_of(session, resident_id)
    if resident is None or plan is None or plan.status is not CheckinPlanStatus.ACTIVE:
        raise CheckinNotFound()
    return resident, plan.covered_on == local_date(clock.now(), resident.timezone)


async def check_in_for(
    session: AsyncSession,
    actor: User,
    resident_id: int,
    *,
    kind: str = "call",
    settings: Settings,
    clock: Clock,
) -> list[Outcome]:
    """ "I called her, she's fine": today's open check-ins are answered on her behalf, and the
    rest of today's are not sent. Her community's coordinators and the volunteers of her chain
    may."""
    if not await may_check_in_for(session, actor, resident_id, settings=settings):
        raise NotAllowed()
    return await _cover_today(session, actor, resident_id, kind=kind, clock=clock)


async def count_contact_as_checkin(
    session: AsyncSession, resident_id: int, actor: User, *, kind: str, clock: Clock
) -> list[Outcome]:
    """A logged visit or call counts as that day's check-in. Called by the visits service,
    which has already checked that `actor` holds the visit."""
    if await queries.plan_of(session, resident_id) is None:
        return []
    return await _cover_today(session, actor, resident_id, kind=kind, clock=clock)


async def _cover_today(
    session: AsyncSession, actor: User, resident_id: int, *, kind: str, clock: Clock
) -> list[Outcome]:
    resident = await session.get(User, resident_id)
    plan = await queries.plan_of(session, resident_id)
    if resident is None or plan is None:
        raise CheckinNotFound()
    now = clock.now()
    today = local_date(now, resident.timezone)
    plan.covered_on = today
    plan.missed_in_row = 0
    outcomes = []
    for checkin in await queries.open_of_resident(session, resident_id, on=today):
        was_alerted = checkin.status in ALERTED
        if await close_once(
            session, checkin, CheckinStatus.PROXY, actor, now, action="proxy", detail={"kind": kind}
        ):
            outcomes.append(await _outcome(session, checkin, resident, was_alerted, actor))
    await session.flush()
    return outcomes
