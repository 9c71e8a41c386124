"""Pairing a volunteer with a resident ("一对一结对"), the coordinator's side: the people they
can pair (residents of the communities they act in, volunteers who serve the resident's
community), and the pairing with its first visit. Read as `bot.services.visits.X`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, is_resident, require
from bot.services import checkins, communities
from bot.services.communities import home_of, require_within
from bot.services.errors import (
    NotAllowed,
    PairingExists,
    PairingPersonInvalid,
    SafetyCodeInvalid,
    VolunteerNotApproved,
)
from bot.services.schedule import local_date
from bot.services.users import clean_text
from bot.services.visit_schedule import Schedule, new_visit, next_occurrence
from bot.services.volunteers import approved_volunteer
from storage.models import Pairing, User, Visit
from storage.repositories import audit
from storage.repositories import users as user_queries
from storage.repositories import visits as queries

SAFETY_CODE_LIMIT = 32


async def people_to_pair(
    session: AsyncSession,
    coordinator: User | None,
    *,
    settings: Settings,
    residents: bool,
    resident_id: int | None = None,
    name: str | None = None,
    limit: int = 6,
    offset: int = 0,
) -> tuple[list[User], int]:
    """Registered residents of the coordinator's communities, or the approved volunteers who
    serve the chosen resident's community (`resident_id`), that a coordinator can pair (maybe
    found by a part of their name), and how many there are."""
    coordinator = require(coordinator, Action.PAIR_VISITS)
    if residents:
        query = queries.residents_of(await communities.scope_of(session, settings, coordinator))
    else:
        resident = await _resident_within(session, settings, coordinator, resident_id)
        tree = await communities.tree(session, settings)
        query = queries.volunteers_serving(tree.lineage(home_of(resident)))
    return await user_queries.page_by_name(session, query, name=name, limit=limit, offset=offset)


def clean_safety_code(text: str | None) -> str | None:
    if text is None:
        return None
    code = clean_text(text)
    if not code:
        return None
    if len(code) > SAFETY_CODE_LIMIT:
        raise SafetyCodeInvalid(SAFETY_CODE_LIMIT)
    return code


async def _resident(session: AsyncSession, resident_id: int) -> User:
    resident = await session.get(User, resident_id)
    if not is_resident(resident):
        raise PairingPersonInvalid()
    return resident


async def _resident_within(
    session: AsyncSession, settings: Settings, coordinator: User, resident_id: int | None
) -> User:
    """A registered resident of a community the coordinator acts in (else PairingPersonInvalid,
    as for anyone who cannot be paired)."""
    if resident_id is None:
        raise PairingPersonInvalid()
    resident = await _resident(session, resident_id)
    try:
        await require_within(session, settings, coordinator, resident.community_id)
    except NotAllowed as error:
        raise PairingPersonInvalid() from error
    return resident


async def _serves(
    session: AsyncSession, settings: Settings, volunteer: User, resident: User
) -> None:
    """PairingPersonInvalid unless the volunteer serves the resident's community."""
    try:
        await require_within(session, settings, volunteer, resident.community_id)
    except NotAllowed as error:
        raise PairingPersonInvalid() from error


async def person_to_pair(
    session: AsyncSession,
    coordinator: User | None,
    person_id: int | None,
    *,
    resident: bool,
    settings: Settings,
    resident_id: int | None = None,
) -> User:
    """The person tapped at a step of /pair: a registered resident of the coordinator's
    communities, or (the volunteer step, for the resident `resident_id`) someone on record who
    serves the resident's community; whether they may be paired is checked again when the
    pairing is made."""
    coordinator = require(coordinator, Action.PAIR_VISITS)
    if person_id is None:
        raise PairingPersonInvalid()
    if resident:
        return await _resident_within(session, settings, coordinator, person_id)
    person = await session.get(User, person_id)
    if person is None:
        raise PairingPersonInvalid()
    await _serves(
        session,
        settings,
        person,
        await _resident_within(session, settings, coordinator, resident_id),
    )
    return person


async def people_by_id(
    session: AsyncSession, resident_id: int, volunteer_id: int
) -> tuple[User | None, User | None]:
    """The two people chosen in /pair, to show before saving (None: no longer on record)."""
    return await session.get(User, resident_id), await session.get(User, volunteer_id)


async def create_pairing(
    session: AsyncSession,
    coordinator: User | None,
    *,
    resident_id: int,
    volunteer_id: int,
    schedule: Schedule,
    safety_code: str | None,
    settings: Settings,
    clock: Clock,
) -> tuple[Pairing, Visit]:
    """Pair them and write the first visit: a resident of a community the coordinator acts in,
    and a volunteer who serves it (else PairingPersonInvalid). The volunteer becomes the first
    link of the resident's check-in chain, if the resident has check-ins."""
    coordinator = require(coordinator, Action.PAIR_VISITS)
    schedule = schedule.checked()
    code = clean_safety_code(safety_code)
    resident = await _resident_within(session, settings, coordinator, resident_id)
    try:
        volunteer = await approved_volunteer(session, await session.get(User, volunteer_id))
    except (NotAllowed, VolunteerNotApproved) as error:
        raise PairingPersonInvalid() from error
    await _serves(session, settings, volunteer, resident)
    if await queries.active_pairing_of(session, volunteer.id, resident.id) is not None:
        raise PairingExists()
    now = clock.now()
    first = next_occurrence(schedule, resident.timezone, after=now)
    pairing = Pairing(
        volunteer_id=volunteer.id,
        resident_id=resident.id,
        community_id=home_of(resident),
        cadence=schedule.cadence,
        weekday=schedule.weekday,
        month_day=schedule.month_day,
        local_time=schedule.local_time,
        safety_code=code,
        active=True,
        next_visit_at=next_occurrence(
            schedule, resident.timezone, after=first, previous=local_date(first, resident.timezone)
        ),
        created_by_id=coordinator.id,
        created_at=now,
    )
    session.add(pairing)
    await session.flush()
    visit = new_visit(pairing, first, now)
    session.add(visit)
    audit.record(
        session,
        at=now,
        action="visit.paired",
        actor_id=coordinator.id,
        subject_id=resident.id,
        detail={"pairing_id": pairing.id, "volunteer_id": volunteer.id},
    )
    await session.flush()
    await checkins.add_volunteer_to_chain(session, resident.id, volunteer.id, clock=clock)
    return pairing, visit
