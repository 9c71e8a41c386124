"""A neighbour's concern about someone (主动发现), and what the coordinators do with it: link it to
a household (or open one), merge a duplicate into another concern about the same home, assign a
follow-up (a call or a visit) with an owner and a due day, close it. The reporter may hear that
it was looked into, never what was found.

Each change of a concern is a conditional UPDATE on its `version`, so a double tap or a stale
card changes it once. Follow-ups are the scheduler's: reminded to the owner on their due day,
flagged to the coordinators a day later if not done, each step claimed once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, is_coordinator, require
from bot.services import households
from bot.services import places as place_service
from bot.services.communities import require_within, scope_of, tree
from bot.services.errors import (
    ConcernChanged,
    ConcernNotFound,
    DescriptionEmpty,
    FollowUpDone,
    FollowUpNotFound,
    NotAllowed,
    TextTooLong,
)
from bot.services.requests import clean_long_text
from bot.services.users import clean_text
from storage.models import (
    Concern,
    ConcernStatus,
    FollowUp,
    FollowUpKind,
    Household,
    User,
)
from storage.repositories import audit
from storage.repositories import concerns as queries
from storage.repositories import households as household_queries
from storage.repositories import requests as request_queries

DESCRIPTION_MAX = 2000  # what fits on the coordinators' card with the rest of it
SHORT_MAX = 64  # a building, a name
DUE_HOUR = time(9)  # a follow-up's day starts (and its reminder goes) at 9:00 local time
OVERDUE_AFTER = timedelta(days=1)
DUE_IN_DAYS = (0, 1, 3, 7)


@dataclass(frozen=True)
class ConcernDraft:
    description: str = ""
    voice_file_id: str | None = None
    photo_file_id: str | None = None
    place_id: int | None = None
    building: str | None = None
    person_name: str | None = None
    wants_outcome: bool = False


def clean_description(text: str | None) -> str:
    return clean_long_text(text, DESCRIPTION_MAX)


def clean_short(text: str | None) -> str:
    """A building or a name, as typed (`DescriptionEmpty` for nothing, or a command)."""
    cleaned = clean_text(text or "")
    if not cleaned or cleaned.startswith("/"):
        raise DescriptionEmpty()
    if len(cleaned) > SHORT_MAX:
        raise TextTooLong(SHORT_MAX)
    return cleaned


async def raise_concern(
    session: AsyncSession,
    reporter: User,
    draft: ConcernDraft,
    *,
    clock: Clock,
    urgent: bool = False,
) -> Concern:
    """Record what a neighbour noticed, in their own community (a place not offered there is
    dropped: a button forged or left from before)."""
    require(reporter, Action.RAISE_CONCERN)
    assert reporter.community_id is not None
    description = clean_description(draft.description)
    if not (description or draft.voice_file_id or draft.photo_file_id) and not urgent:
        raise DescriptionEmpty()
    place_id = draft.place_id
    if place_id is not None:
        offered = await place_service.offered(session, (reporter.community_id,))
        place_id = place_id if place_id in {place.id for place in offered} else None
    now = clock.now()
    concern = Concern(
        community_id=reporter.community_id,
        reporter_id=reporter.id,
        description=description,
        voice_file_id=draft.voice_file_id,
        photo_file_id=draft.photo_file_id,
        place_id=place_id,
        building=draft.building,
        person_name=draft.person_name,
        wants_outcome=draft.wants_outcome,
        urgent=urgent,
        status=ConcernStatus.OPEN,
        created_at=now,
    )
    session.add(concern)
    await session.flush()
    audit.record(
        session,
        at=now,
        action="concern.raised",
        actor_id=reporter.id,
        subject_id=None,
        detail={"concern_id": concern.id, "urgent": urgent},
    )
    return concern


async def for_coordinator(
    session: AsyncSession, settings: Settings | None, person: User | None, concern_id: int
) -> Concern:
    """The concern, if `person` coordinates its community (`NotAllowed` otherwise: a forged
    button, or another community's card)."""
    require(person, Action.HANDLE_CONCERNS)
    concern = await queries.get(session, concern_id)
    if concern is None:
        raise ConcernNotFound()
    await require_within(session, settings, person, concern.community_id)
    return concern


async def _change(
    session: AsyncSession, concern: Concern, version: int, values: dict[str, object]
) -> Concern:
    if not await queries.change_if(session, concern.id, version=version, values=values):
        raise ConcernChanged()
    await session.refresh(concern)
    return concern


async def open_concerns(
    session: AsyncSession, settings: Settings | None, person: User | None
) -> tuple[list[Concern], int]:
    """The open concerns of the communities the coordinator acts for, newest first."""
    require(person, Action.HANDLE_CONCERNS)
    return await queries.open_in(session, await scope_of(session, settings, person))


async def households_to_link(
    session: AsyncSession, settings: Settings | None, person: User, concern: Concern
) -> list[Household]:
    """The households of the concern's community (newest first), to pick from."""
    await for_coordinator(session, settings, person, concern.id)
    found = await household_queries.listed(session, (concern.community_id,))
    return list(reversed(found))


async def link(
    session: AsyncSession,
    settings: Settings | None,
    person: User,
    concern_id: int,
    version: int,
    household_id: int,
    *,
    clock: Clock,
) -> Concern:
    concern = await for_coordinator(session, settings, person, concern_id)
    household = await household_queries.get(session, household_id)
    if household is None or household.community_id != concern.community_id:
        raise NotAllowed()
    await _change(session, concern, version, {"household_id": household.id})
    _record(session, clock, person, "linked", concern, household_id=household.id)
    return concern


async def open_household_for(
    session: AsyncSession,
    settings: Settings | None,
    person: User,
    concern_id: int,
    version: int,
    *,
    clock: Clock,
) -> Concern:
    """A new household for the concern, known by the name or building the reporter gave (its
    coordinators may know it better later)."""
    concern = await for_coordinator(session, settings, person, concern_id)
    if concern.version != version or concern.status is not ConcernStatus.OPEN:
        raise ConcernChanged()
    place = await place_service.name_of(session, concern.place_id)
    label = concern.person_name or concern.building or place or f"#{concern.id}"
    household = await households.open_household(
        session,
        community_id=concern.community_id,
        label=label,
        now=clock.now(),
        by=person,
        place_id=concern.place_id,
    )
    await _change(session, concern, version, {"household_id": household.id})
    _record(session, clock, person, "linked", concern, household_id=household.id, new=True)
    return concern


async def mergeable(
    session: AsyncSession, settings: Settings | None, person: User, concern: Concern
) -> list[Concern]:
    await for_coordinator(session, settings, person, concern.id)
    return await queries.open_concerns(session, concern.community_id, besides=concern.id)


async def merge(
    session: AsyncSession,
    settings: Settings | None,
    person: User,
    concern_id: int,
    version: int,
    into_id: int,
    *,
    clock: Clock,
) -> Concern:
    """This concern is about the same household as `into_id`: it closes with that one (its
    reporter hears when that one is closed). Returns the concern kept."""
    concern = await for_coordinator(session, settings, person, concern_id)
    kept = await queries.get(session, into_id)
    if (
        kept is None
        or kept.id == concern.id
        or kept.community_id != concern.community_id
        or kept.status is not ConcernStatus.OPEN
    ):
        raise ConcernChanged()
    household_id = kept.household_id or concern.household_id
    await _change(
        session,
        concern,
        version,
        {"status": ConcernStatus.MERGED, "merged_into_id": kept.id, "household_id": household_id},
    )
    if kept.household_id is None and household_id is not None:  # its card is redrawn on a press
        await _change(session, kept, kept.version, {"household_id": household_id})
    _record(session, clock, person, "merged", concern, into=kept.id)
    return kept


async def owners_for(
    session: AsyncSession, settings: Settings | None, person: User, concern: Concern
) -> list[User]:
    """Who may own a follow-up: the coordinators of the concern's community (its own, its
    street's, its district's), the presser first."""
    await for_coordinator(session, settings, person, concern.id)
    chain = (await tree(session, settings)).lineage(concern.community_id)
    found = await request_queries.coordinators(session, of=chain)
    if person.id not in {user.id for user in found}:
        found.append(person)
    return sorted(found, key=lambda user: (user.id != person.id, user.display_name or ""))


def due_moment(today: date, days: int, timezone: str) -> datetime:
    """9:00 on the due day, in the community's time."""
    return datetime.combine(today + timedelta(days=days), DUE_HOUR, tzinfo=ZoneInfo(timezone))


async def assign_follow_up(
    session: AsyncSession,
    settings: Settings,
    person: User,
    concern_id: int,
    version: int,
    *,
    kind: FollowUpKind,
    owner_id: int,
    days: int,
    clock: Clock,
) -> FollowUp:
    concern = await for_coordinator(session, settings, person, concern_id)
    if concern.household_id is None or days not in DUE_IN_DAYS:
        raise ConcernChanged()
    owners = {user.id: user for user in await owners_for(session, settings, person, concern)}
    if owner_id not in owners:
        raise NotAllowed()
    timezone = (await tree(session, settings)).settings(concern.community_id).timezone
    now = clock.now()
    today = now.astimezone(ZoneInfo(timezone)).date()
    due_at = due_moment(today, days, timezone)
    await _change(session, concern, version, {})
    follow_up = FollowUp(
        community_id=concern.community_id,
        household_id=concern.household_id,
        concern_id=concern.id,
        kind=kind,
        owner_id=owner_id,
        due_at=due_at,
        next_step=Step.REMIND,
        next_due_at=due_at,
        created_at=now,
        created_by_id=person.id,
    )
    session.add(follow_up)
    await session.flush()
    _record(session, clock, person, "follow_up", concern, follow_up_id=follow_up.id)
    return follow_up


async def close(
    session: AsyncSession,
    settings: Settings | None,
    person: User,
    concern_id: int,
    version: int,
    *,
    clock: Clock,
) -> tuple[Concern, list[tuple[Concern, User]]]:
    """Looked into: closed with the concerns merged into it. Returns each concern whose
    reporter asked to hear so, with the reporter (each once: about their own concern)."""
    concern = await for_coordinator(session, settings, person, concern_id)
    now = clock.now()
    await _change(
        session, concern, version,
        {"status": ConcernStatus.CLOSED, "closed_at": now, "closed_by_id": person.id},
    )  # fmt: skip
    told: dict[int, tuple[Concern, User]] = {}
    for one in [concern, *await queries.merged_into(session, concern.id)]:
        if one is not concern:
            one.closed_at, one.closed_by_id = now, person.id
        reporter = await session.get(User, one.reporter_id) if one.reporter_id else None
        if one.wants_outcome and reporter is not None and reporter.deleted_at is None:
            told.setdefault(reporter.id, (one, reporter))
    _record(session, clock, person, "closed", concern)
    return concern, list(told.values())


def _record(
    session: AsyncSession,
    clock: Clock,
    person: User,
    action: str,
    concern: Concern,
    **detail: object,
) -> None:
    audit.record(
        session,
        at=clock.now(),
        action=f"concern.{action}",
        actor_id=person.id,
        subject_id=None,
        detail={"concern_id": concern.id, **detail},
    )


# follow-ups: the scheduler's steps, and "done"


class Step(IntEnum):
    REMIND = 1  # on the due day: the owner
    FLAG = 2  # a day later, not done: the coordinators
    NONE = 0


@dataclass(frozen=True)
class DueFollowUp:
    follow_up: FollowUp
    step: Step
    owner: User | None
    household: Household


async def take_due_follow_ups(session: AsyncSession, *, clock: Clock) -> list[DueFollowUp]:
    """The follow-ups with a step due, each claimed by this process alone (a batch: their
    households and owners read in one query each)."""
    now = clock.now()
    claimed: list[tuple[FollowUp, Step]] = []
    for follow_up in await queries.follow_ups_due(session, now):
        step = Step(follow_up.next_step)
        if step is Step.REMIND:
            following, next_due, stamp = Step.FLAG, follow_up.due_at + OVERDUE_AFTER, "reminded_at"
        else:
            following, next_due, stamp = Step.NONE, None, "flagged_at"
        if not await queries.claim_step(
            session, follow_up.id, step=step, now=now, next_step=following,
            next_due_at=next_due, values={stamp: now},
        ):  # fmt: skip
            continue
        # the loaded row as the UPDATE left it, without writing it again
        for name, value in (("next_step", following), ("next_due_at", next_due), (stamp, now)):
            set_committed_value(follow_up, name, value)
        claimed.append((follow_up, step))
    households = await queries.households_by_id(session, {f.household_id for f, _ in claimed})
    owners = await queries.people_by_id(session, {f.owner_id for f, _ in claimed if f.owner_id})
    return [
        DueFollowUp(follow_up, step, owners.get(follow_up.owner_id or 0), households[household])
        for follow_up, step in claimed
        if (household := follow_up.household_id) in households
    ]


async def follow_up_done(
    session: AsyncSession, settings: Settings | None, person: User | None, follow_up_id: int, *,
    clock: Clock,
) -> FollowUp:  # fmt: skip
    follow_up = await queries.follow_up(session, follow_up_id)
    if follow_up is None:
        require(person, Action.ACT_ON_FOLLOW_UP, None)
        raise FollowUpNotFound()
    require(person, Action.ACT_ON_FOLLOW_UP, follow_up)
    assert person is not None
    if is_coordinator(person) and follow_up.owner_id != person.id:
        await require_within(session, settings, person, follow_up.community_id)
    if not await queries.mark_done(session, follow_up.id, by_id=person.id, now=clock.now()):
        raise FollowUpDone()
    await session.refresh(follow_up)
    audit.record(
        session, at=clock.now(), action="follow_up.done", actor_id=person.id, subject_id=None,
        detail={"follow_up_id": follow_up.id, "household_id": follow_up.household_id},
    )  # fmt: skip
    return follow_up


def is_overdue(follow_up: FollowUp, now: datetime) -> bool:
    return follow_up.done_at is None and now >= follow_up.due_at + OVERDUE_AFTER


async def household_of(session: AsyncSession, follow_up: FollowUp) -> Household:
    household = await household_queries.get(session, follow_up.household_id)
    assert household is not None
    return household


async def owner_of(session: AsyncSession, follow_up: FollowUp) -> User | None:
    return await session.get(User, follow_up.owner_id) if follow_up.owner_id else None
