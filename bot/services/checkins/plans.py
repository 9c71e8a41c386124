"""Check-in plans: when (one to four local times on chosen days) and who is told (the chain),
proposed by a coordinator or by the resident, started only when the resident agrees, paused
while they are away, stopped by them (or a coordinator).

The limits of a plan live here and every caller meets them: at most MAX_TIMES times, outside
the quiet hours; at most MAX_VOLUNTEERS volunteers and MAX_PHONE_CONTACTS people to phone in a
chain; and a new plan is never written over an active one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, may, require
from bot.services import communities, volunteers
from bot.services.checkins.events import close_once
from bot.services.communities import home_of, require_within
from bot.services.errors import (
    CheckinAnswered,
    CheckinLimitReached,
    CheckinNotFound,
    CheckinPlanActive,
    CheckinTimeAtNight,
    CheckinTimesInvalid,
    NameEmpty,
    NotAllowed,
    PauseDateInvalid,
    PhoneInvalid,
)
from bot.services.schedule import (
    EVERY_DAY,
    QuietHours,
    local_date,
    local_moment,
    next_occurrence,
    parse_time,
    time_label,
)
from bot.services.users import clean_name, normalise_phone
from storage.models import (
    CheckinContact,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    ContactKind,
    User,
)
from storage.repositories import audit
from storage.repositories import checkins as queries
from storage.repositories import users as user_queries
from storage.repositories import visits as visit_queries

MAX_TIMES = 4
MAX_VOLUNTEERS = 3
MAX_PHONE_CONTACTS = 2
CHAIN_LIMITS = {ContactKind.VOLUNTEER: MAX_VOLUNTEERS, ContactKind.PHONE: MAX_PHONE_CONTACTS}
MAX_PAUSE_DAYS = 120


@dataclass(frozen=True)
class Timing:
    grace_minutes: int = 30
    first_alert_minutes: int = 60
    alert_every_minutes: int = 60


@dataclass(frozen=True)
class ContactDraft:
    """A link of the chain as a coordinator or resident gives it."""

    kind: ContactKind
    user_id: int | None = None
    name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ChainLink:
    """One link of a chain as people are shown it: a name, and how they are reached."""

    kind: ContactKind
    name: str | None
    phone: str | None = None  # only for coordinators' eyes


# --- the limits ----------------------------------------------------------------------------


def clean_times(texts: Sequence[str], quiet: QuietHours) -> list[str]:
    """One to four distinct local times, outside the quiet hours, in order."""
    try:
        times = sorted({parse_time(text) for text in texts})
    except ValueError:
        raise CheckinTimesInvalid() from None
    if not 1 <= len(times) <= MAX_TIMES or not all(quiet.clock_time_allowed(t) for t in times):
        raise CheckinTimesInvalid()
    return [time_label(moment) for moment in times]


def with_time(chosen: Sequence[str], label: str, quiet: QuietHours) -> list[str]:
    """`chosen` and one more time, in order, as the set-up adds it: CheckinTimeAtNight, or
    CheckinLimitReached when MAX_TIMES are chosen already."""
    if not quiet.clock_time_allowed(parse_time(label)):
        raise CheckinTimeAtNight()
    if len(chosen) >= MAX_TIMES:
        raise CheckinLimitReached(MAX_TIMES)
    return sorted({*chosen, label})


def check_room(kind: ContactKind, count: int) -> None:
    """`count` links of `kind` fit in one chain; else CheckinLimitReached (with the limit)."""
    limit = CHAIN_LIMITS.get(kind)
    if limit is not None and count > limit:
        raise CheckinLimitReached(limit)


_TYPED_CONTACT_RE = re.compile(
    r"^(?P<name>.+?)[\s,，:：;；]+(?P<phone>\+?[\d][\d\s\-().]{4,})$", re.S
)


def contact_from_text(text: str) -> tuple[str, str]:
    """ "Li Na 138 0013 8000" -> ("Li Na", "13800138000"), by the rules of names and numbers
    (NameEmpty, NameTooLong, PhoneInvalid)."""
    match = _TYPED_CONTACT_RE.match(text.strip())
    if match is None:
        if text.strip() and not any(ch.isdigit() for ch in text):
            raise PhoneInvalid()
        raise NameEmpty()
    draft = phone_contact(match.group("name"), match.group("phone"))
    assert draft.name is not None and draft.phone is not None
    return draft.name, draft.phone


def phone_contact(name: str, phone: str) -> ContactDraft:
    """An emergency contact without Telegram, whom the coordinators will call."""
    return ContactDraft(ContactKind.PHONE, name=clean_name(name), phone=normalise_phone(phone))


# --- who may get a plan --------------------------------------------------------------------


async def _check_ready(session: AsyncSession, author: User, resident: User) -> CheckinPlan | None:
    """`author` may write `resident` a plan now: a coordinator, or the resident themselves; the
    resident is a registered resident without active check-ins. Returns their plan row."""
    if author.id != resident.id:
        require(author, Action.PLAN_CHECKINS)
    if not may(resident, Action.HAVE_CHECKINS):
        raise NotAllowed()
    plan = await queries.plan_of(session, resident.id)
    if plan is not None and plan.status is CheckinPlanStatus.ACTIVE:
        raise CheckinPlanActive(resident.display_name)
    return plan


async def ready_for_plan(
    session: AsyncSession, author: User, resident_id: int, *, settings: Settings
) -> User:
    """The resident `author` may write a plan for now (see `propose_plan`): NotAllowed (also
    for a resident of a community the coordinator does not act in), or CheckinPlanActive."""
    resident = await session.get(User, resident_id)
    if resident is None:
        raise NotAllowed()
    if author.id != resident.id:
        await require_within(session, settings, author, resident.community_id)
    await _check_ready(session, author, resident)
    return resident


async def quiet_hours_of(session: AsyncSession, settings: Settings, resident_id: int) -> QuietHours:
    """The quiet hours of the resident's community: no check-in time may fall in them."""
    resident = await session.get(User, resident_id)
    community_id = resident.community_id if resident is not None else None
    return (await communities.tree(session, settings)).settings(community_id).quiet_hours


async def residents_to_enrol(
    session: AsyncSession,
    coordinator: User,
    *,
    settings: Settings,
    name: str | None,
    limit: int,
    offset: int,
) -> tuple[list[User], int]:
    """Registered residents of the coordinator's communities without active check-ins, a page
    at a time, for /enrol."""
    require(coordinator, Action.PLAN_CHECKINS)
    scope = await communities.scope_of(session, settings, coordinator)
    query = visit_queries.residents_of(scope).where(User.id.not_in(queries.active_resident_ids()))
    return await user_queries.page_by_name(session, query, name=name, limit=limit, offset=offset)


async def _resident_within(
    session: AsyncSession, settings: Settings, coordinator: User, resident_id: int
) -> User:
    resident = await session.get(User, resident_id)
    if resident is None:
        raise NotAllowed()
    await require_within(session, settings, coordinator, resident.community_id)
    return resident


async def volunteers_for_chain(
    session: AsyncSession,
    coordinator: User,
    resident_id: int,
    *,
    settings: Settings,
    name: str | None,
    limit: int,
    offset: int,
) -> tuple[list[User], int]:
    """Approved volunteers who serve the resident's community, whom a coordinator can put
    first in the resident's chain (they may have to knock on the door), a page at a time."""
    require(coordinator, Action.PLAN_CHECKINS)
    resident = await _resident_within(session, settings, coordinator, resident_id)
    lineage = (await communities.tree(session, settings)).lineage(home_of(resident))
    query = visit_queries.volunteers_serving(lineage)
    return await user_queries.page_by_name(session, query, name=name, limit=limit, offset=offset)


async def volunteer_to_add(
    session: AsyncSession,
    coordinator: User,
    volunteer_id: int,
    *,
    resident_id: int,
    chosen: int,
    settings: Settings,
) -> User:
    """The approved volunteer a coordinator adds to a resident's chain that has `chosen`
    volunteers already: a DomainError when they cannot be chosen (also when they do not serve
    the resident's community), CheckinLimitReached when it is full."""
    require(coordinator, Action.PLAN_CHECKINS)
    resident = await _resident_within(session, settings, coordinator, resident_id)
    person = await session.get(User, volunteer_id) if volunteer_id else None
    volunteer = await volunteers.approved_volunteer(session, person)
    await require_within(session, settings, volunteer, resident.community_id)
    check_room(ContactKind.VOLUNTEER, chosen + 1)
    return volunteer


# --- the plan's life -----------------------------------------------------------------------


async def propose_plan(
    session: AsyncSession,
    author: User,
    resident: User,
    *,
    times: Sequence[str],
    weekdays: Sequence[int] = EVERY_DAY,
    contacts: Sequence[ContactDraft] = (),
    timing: Timing = Timing(),
    quiet: QuietHours,
    clock: Clock,
) -> CheckinPlan:
    """A coordinator (or the resident themselves) writes a plan, for a resident the caller
    checked with `ready_for_plan`, outside `quiet` (the community's: `quiet_hours_of`); nothing
    is sent until the resident has seen who will be told and agreed. The coordinators are
    always in the chain. Never over an active plan (CheckinPlanActive); within the limits of
    times and of the chain (CheckinTimesInvalid, CheckinLimitReached)."""
    plan = await _check_ready(session, author, resident)
    days = sorted({day for day in weekdays if 0 <= day <= 6})
    if not days:
        raise CheckinTimesInvalid()
    cleaned = clean_times(times, quiet)
    chain = [draft for draft in contacts if draft.kind is not ContactKind.COORDINATORS]
    for kind in CHAIN_LIMITS:
        check_room(kind, sum(draft.kind is kind for draft in chain))
    for draft in chain:  # only someone approved to visit may be the first to knock
        if draft.kind is ContactKind.VOLUNTEER:
            person = await session.get(User, draft.user_id) if draft.user_id else None
            await volunteers.approved_volunteer(session, person)
    now = clock.now()
    if plan is None:
        plan = CheckinPlan(resident_id=resident.id, community_id=home_of(resident), created_at=now)
        session.add(plan)
    plan.status = CheckinPlanStatus.PROPOSED
    plan.times = cleaned
    plan.weekdays = days
    plan.grace_minutes = timing.grace_minutes
    plan.first_alert_minutes = timing.first_alert_minutes
    plan.alert_every_minutes = timing.alert_every_minutes
    plan.next_checkin_at = None
    plan.agreed_at = None
    plan.created_by_id = author.id
    plan.updated_at = now
    await session.flush()
    first = [d for d in chain if d.kind is ContactKind.VOLUNTEER]
    others = [d for d in chain if d.kind is not ContactKind.VOLUNTEER]
    # Who can knock on the door first, then the coordinators, then family.
    ordered = [*first, ContactDraft(ContactKind.COORDINATORS), *others]
    await queries.replace_chain(
        session,
        plan.id,
        [
            CheckinContact(kind=d.kind, user_id=d.user_id, name=d.name, phone=d.phone, position=0)
            for d in ordered
        ],
    )
    return plan


async def plan_for(session: AsyncSession, resident_id: int) -> CheckinPlan | None:
    return await queries.plan_of(session, resident_id)


async def proposer_of(session: AsyncSession, plan: CheckinPlan) -> User | None:
    """The coordinator who proposed the plan; None when the resident wrote it themselves."""
    if not plan.created_by_id or plan.created_by_id == plan.resident_id:
        return None
    return await session.get(User, plan.created_by_id)


async def chain_of(session: AsyncSession, plan: CheckinPlan) -> list[CheckinContact]:
    return (await queries.chains(session, [plan.id])).get(plan.id, [])


async def describe_chain(session: AsyncSession, plan: CheckinPlan) -> list[ChainLink]:
    """The plan's chain in order, with the names of the people in it."""
    chain = await chain_of(session, plan)
    people = await queries.people_by_id(session, {c.user_id for c in chain if c.user_id})
    links = []
    for contact in chain:
        person = people.get(contact.user_id) if contact.user_id else None
        name = person.display_name if person else contact.name
        links.append(ChainLink(contact.kind, name, contact.phone))
    return links


async def agree_to_plan(
    session: AsyncSession, resident: User, plan_id: int, *, clock: Clock
) -> CheckinPlan:
    """The resident agrees: check-ins start at the next planned time."""
    plan = await _own_plan(session, resident, plan_id)
    if plan.status is not CheckinPlanStatus.PROPOSED:
        raise CheckinAnswered()
    now = clock.now()
    if not await queries.set_plan_status_if(  # two taps at once: one agrees
        session, plan.id, CheckinPlanStatus.PROPOSED, CheckinPlanStatus.ACTIVE
    ):
        raise CheckinAnswered()
    plan.status = CheckinPlanStatus.ACTIVE
    plan.agreed_at = now
    plan.updated_at = now
    plan.missed_in_row = 0
    plan.next_checkin_at = next_occurrence(plan.times, plan.weekdays, resident.timezone, after=now)
    audit.record(
        session, at=now, action="checkin.agreed", actor_id=resident.id, subject_id=resident.id
    )
    await session.flush()
    return plan


async def stop_plan(
    session: AsyncSession, actor: User, resident: User, *, clock: Clock
) -> CheckinPlan:
    """The resident declines or ends their check-ins, or a coordinator ends them."""
    if actor.id != resident.id:
        require(actor, Action.PLAN_CHECKINS)
    plan = await queries.plan_of(session, resident.id)
    if plan is None or plan.status is CheckinPlanStatus.STOPPED:
        raise CheckinNotFound()
    now = clock.now()
    plan.status = CheckinPlanStatus.STOPPED
    plan.next_checkin_at = None
    plan.updated_at = now
    for checkin in await queries.open_of_resident(session, resident.id):
        checkin.next_due_at = None
        if checkin.status is CheckinStatus.SCHEDULED:
            checkin.status = CheckinStatus.SKIPPED
    audit.record(
        session, at=now, action="checkin.stopped", actor_id=actor.id, subject_id=resident.id
    )
    await session.flush()
    return plan


async def _own_plan(session: AsyncSession, resident: User, plan_id: int) -> CheckinPlan:
    plan = await queries.plan_of(session, resident.id)
    if plan is None or plan.id != plan_id:
        raise CheckinNotFound()
    return plan


async def pause_until(
    session: AsyncSession, resident: User, back_on: date, *, clock: Clock
) -> CheckinPlan:
    """ "I'm away until ...": no check-in before the morning of `back_on` (local); they start
    again by themselves. Being able to say so means they are fine now: open ones are closed."""
    plan = await queries.plan_of(session, resident.id)
    if plan is None or plan.status is not CheckinPlanStatus.ACTIVE:
        raise CheckinNotFound()
    now = clock.now()
    today = local_date(now, resident.timezone)
    if not today < back_on <= today + timedelta(days=MAX_PAUSE_DAYS):
        raise PauseDateInvalid()
    plan.paused_until = local_moment(back_on, time(0), resident.timezone)
    plan.updated_at = now
    for checkin in await queries.open_of_resident(session, resident.id):
        await close_once(session, checkin, CheckinStatus.FINE, resident, now, action="paused")
    await session.flush()
    return plan


async def resume(session: AsyncSession, resident: User, *, clock: Clock) -> CheckinPlan:
    """Back earlier than said."""
    plan = await queries.plan_of(session, resident.id)
    if plan is None or plan.status is not CheckinPlanStatus.ACTIVE:
        raise CheckinNotFound()
    plan.paused_until = None
    plan.updated_at = clock.now()
    await session.flush()
    return plan


def is_paused(plan: CheckinPlan, now: datetime) -> bool:
    return plan.paused_until is not None and plan.paused_until > now


def back_on(plan: CheckinPlan, resident: User, now: datetime) -> date | None:
    """The local day a paused resident's check-ins start again; None when not paused."""
    if not is_paused(plan, now) or plan.paused_until is None:
        return None
    return local_date(plan.paused_until, resident.timezone)


async def add_volunteer_to_chain(
    session: AsyncSession, resident_id: int, volunteer_id: int, *, clock: Clock
) -> bool:
    """A volunteer paired with the resident becomes the first link of their chain, unless the
    chain already holds MAX_VOLUNTEERS volunteers (nobody the resident agreed to is dropped
    for them). Whether they were added."""
    plan = await queries.plan_of(session, resident_id)
    if plan is None:
        return False
    chain = await chain_of(session, plan)
    if any(c.user_id == volunteer_id and c.kind is ContactKind.VOLUNTEER for c in chain):
        return False
    if sum(c.kind is ContactKind.VOLUNTEER for c in chain) >= MAX_VOLUNTEERS:
        return False
    first = CheckinContact(kind=ContactKind.VOLUNTEER, user_id=volunteer_id, position=0)
    rebuilt = [
        CheckinContact(kind=c.kind, user_id=c.user_id, name=c.name, phone=c.phone, position=0)
        for c in chain
    ]
    await queries.replace_chain(session, plan.id, [first, *rebuilt])
    plan.updated_at = clock.now()
    return True
