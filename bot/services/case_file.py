"""A household's case file (服务管理档案): its people, its needs assessment, the follow-ups it is
owed, and a timeline built from what linli already records of its people (help requests and
their ratings, check-ins answered or escalated, visits and their wellbeing scores) and of the
household itself (concerns raised, follow-ups done). Nothing is typed into it twice.

Only the coordinators of the household's community (and of its street and district) may open
it; every opening is in the audit log, with the page read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services.communities import require_within, scope_of
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.households import LABEL_MAX, HouseholdLabelInvalid
from bot.services.users import clean_name, clean_text, normalise_phone
from storage.models import (
    CheckinStatus,
    Hearing,
    Household,
    HouseholdMember,
    LowIncome,
    Mobility,
    NeedsAssessment,
    User,
    VisitStatus,
)
from storage.repositories import audit
from storage.repositories import case_file as programme_queries
from storage.repositories import concerns as queries
from storage.repositories import households as household_queries

LANGUAGES = ("zh", "yue", "en", "dialect")  # 普通话, 粤语, English, a local dialect
PAGE_SIZE = 6


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: when, what kind, and the facts to word it."""

    at: datetime
    kind: str  # request, rating, checkin, escalated, visit, concern, follow_up, wish,
    # wish_received, payout, time
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class CaseFile:
    household: Household
    people: list[User]
    others: list[HouseholdMember]  # who lives there without using linli
    needs: NeedsAssessment | None
    follow_ups: list[Any]  # open ones, soonest first
    owners: dict[int, User]
    timeline: list[Entry]  # newest first


async def households_for(
    session: AsyncSession, settings: Settings | None, person: User | None
) -> list[Household]:
    """The households of the communities the coordinator acts for."""
    require(person, Action.OPEN_CASE_FILE)
    return await household_queries.listed(session, await scope_of(session, settings, person))


async def _household(
    session: AsyncSession, settings: Settings | None, person: User | None, household_id: int
) -> Household:
    require(person, Action.OPEN_CASE_FILE)
    household = await household_queries.get(session, household_id)
    if household is None:
        raise NotAllowed()
    await require_within(session, settings, person, household.community_id)
    return household


async def open_case_file(
    session: AsyncSession,
    settings: Settings | None,
    person: User | None,
    household_id: int,
    *,
    clock: Clock,
    page: int = 0,
) -> CaseFile:
    """The file, its opening audited (`page` -1: the whole of it, as a spreadsheet)."""
    household = await _household(session, settings, person, household_id)
    assert person is not None
    people = await household_queries.members(session, household.id)
    follow_ups = await queries.open_follow_ups(session, household.id)
    owners = {}
    for follow_up in follow_ups:
        if follow_up.owner_id and follow_up.owner_id not in owners:
            owner = await session.get(User, follow_up.owner_id)
            if owner is not None:
                owners[owner.id] = owner
    audit.record(
        session,
        at=clock.now(),
        action="household.file_opened",
        actor_id=person.id,
        subject_id=None,
        detail={"household_id": household.id, "page": page},
    )
    return CaseFile(
        household=household,
        people=people,
        others=await queries.members_without_phone(session, household.id),
        needs=await queries.needs_of(session, household.id),
        follow_ups=follow_ups,
        owners=owners,
        timeline=await timeline(session, household, people),
    )


async def timeline(session: AsyncSession, household: Household, people: list[User]) -> list[Entry]:
    """Everything recorded of the household, newest first."""
    ids = [person.id for person in people]
    entries: list[Entry] = []
    for request in await queries.requests_of(session, ids):
        entries.append(
            Entry(request.created_at, "request", {"category": request.category,
                                                   "status": request.status})
        )  # fmt: skip
        if request.rating is not None and request.rated_at is not None:
            entries.append(Entry(request.rated_at, "rating", {"rating": request.rating}))
    for checkin in await queries.checkins_of(session, ids):
        if checkin.escalated_at is not None:
            entries.append(Entry(checkin.escalated_at, "escalated", {}))
        if checkin.answered_at is not None and checkin.status is not CheckinStatus.ESCALATED:
            entries.append(Entry(checkin.answered_at, "checkin", {"status": checkin.status}))
    for visit in await queries.visits_of(session, ids):
        if visit.status is VisitStatus.LOGGED and visit.logged_at is not None:
            entries.append(
                Entry(visit.logged_at, "visit", {"kind": visit.kind, "outcome": visit.outcome,
                                                 "wellbeing": visit.wellbeing})
            )  # fmt: skip
    for concern in await queries.of_household(session, household.id):
        entries.append(
            Entry(concern.created_at, "concern", {"id": concern.id, "status": concern.status,
                                                  "words": concern.description})
        )  # fmt: skip
    for follow_up in await queries.follow_ups_of(session, household.id):
        if follow_up.done_at is not None:
            entries.append(Entry(follow_up.done_at, "follow_up", {"kind": follow_up.kind}))
    entries += await _from_the_programmes(session, household, ids)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


async def _from_the_programmes(
    session: AsyncSession, household: Household, ids: list[int]
) -> list[Entry]:
    """Its wishes (posted, received), the fund's payouts to it, the time it gave back."""
    entries: list[Entry] = []
    for wish in await programme_queries.wishes_of(session, household.id):
        entries.append(Entry(wish.created_at, "wish", {"kind": wish.kind, "status": wish.status}))
        if wish.received_at is not None:
            entries.append(Entry(wish.received_at, "wish_received", {"kind": wish.kind}))
    for payout in await programme_queries.payouts_paid_to(session, household.id):
        if payout.paid_at is not None:
            facts = {"amount": payout.amount, "category": payout.category}
            entries.append(Entry(payout.paid_at, "payout", facts))
    for at, minutes, kind in await programme_queries.time_given(session, household.id, ids):
        entries.append(Entry(at, "time", {"minutes": minutes, "kind": kind}))
    return entries


def pages(entries: list[Entry]) -> int:
    return max(1, -(-len(entries) // PAGE_SIZE))


def page_of(entries: list[Entry], page: int) -> list[Entry]:
    return entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]


# the needs assessment, set by buttons

NEED_VALUES: dict[str, tuple[str, ...]] = {
    "alone": ("yes", "no"),
    "mob": tuple(m.value for m in Mobility),
    "hear": tuple(h.value for h in Hearing),
    "inc": tuple(i.value for i in LowIncome),
    "lang": LANGUAGES,
}


async def _needs_row(session: AsyncSession, household: Household, clock: Clock) -> NeedsAssessment:
    needs = await queries.needs_of(session, household.id)
    if needs is None:
        needs = NeedsAssessment(household_id=household.id, languages=[], updated_at=clock.now())
        session.add(needs)
    return needs


async def set_need(
    session: AsyncSession,
    settings: Settings | None,
    person: User | None,
    household_id: int,
    need: str,
    value: str,
    *,
    clock: Clock,
) -> NeedsAssessment:
    """One answer of the assessment, as tapped. A value sets it (a second tap of the same
    changes nothing); a language is switched on or off."""
    if value not in NEED_VALUES.get(need, ()):
        raise InvalidInput()
    household = await _household(session, settings, person, household_id)
    assert person is not None
    needs = await _needs_row(session, household, clock)
    if need == "alone":
        needs.lives_alone = value == "yes"
    elif need == "mob":
        needs.mobility = Mobility(value)
    elif need == "hear":
        needs.hearing = Hearing(value)
    elif need == "inc":
        needs.low_income = LowIncome(value)
    else:
        spoken = list(needs.languages or [])
        needs.languages = [v for v in spoken if v != value] if value in spoken else [*spoken, value]
    needs.updated_at, needs.updated_by_id = clock.now(), person.id
    await session.flush()
    _audit_change(session, clock, person, household, need)
    return needs


async def set_contact(
    session: AsyncSession,
    settings: Settings | None,
    person: User | None,
    household_id: int,
    text: str,
    *,
    clock: Clock,
) -> NeedsAssessment:
    """Who to call, typed as "name phone" ("女儿 王芳 13900001111")."""
    household = await _household(session, settings, person, household_id)
    assert person is not None
    words = text.split()
    if len(words) < 2:
        raise InvalidInput()
    phone = normalise_phone(words[-1])
    name = clean_name(" ".join(words[:-1]))
    needs = await _needs_row(session, household, clock)
    needs.contact_name, needs.contact_phone = name[:64], phone
    needs.updated_at, needs.updated_by_id = clock.now(), person.id
    await session.flush()
    _audit_change(session, clock, person, household, "contact")
    return needs


MEMBER_MAX = 64


async def rename(
    session: AsyncSession,
    settings: Settings | None,
    person: User | None,
    household_id: int,
    text: str,
    *,
    clock: Clock,
) -> Household:
    """How the coordinators know the household ("周伯伯家"): a household opened from a concern
    is first named by what the neighbour said."""
    household = await _household(session, settings, person, household_id)
    assert person is not None
    label = clean_text(text)
    if not label or label.startswith("/") or len(label) > LABEL_MAX:
        raise HouseholdLabelInvalid()
    household.label = label
    await session.flush()
    _audit_change(session, clock, person, household, "label")
    return household


async def add_member(
    session: AsyncSession,
    settings: Settings | None,
    person: User | None,
    household_id: int,
    text: str,
    *,
    clock: Clock,
) -> HouseholdMember:
    """Someone who lives there without using linli ("周伯伯，88岁"), as the coordinator wrote it."""
    household = await _household(session, settings, person, household_id)
    assert person is not None
    name = clean_name(text)[:MEMBER_MAX]
    member = HouseholdMember(
        household_id=household.id, name=name, created_at=clock.now(), created_by_id=person.id
    )
    session.add(member)
    await session.flush()
    _audit_change(session, clock, person, household, "member")
    return member


async def household_for(
    session: AsyncSession, settings: Settings | None, person: User | None, household_id: int
) -> Household:
    """The household, if the person may open its file (no audit: for a button's words)."""
    return await _household(session, settings, person, household_id)


def _audit_change(
    session: AsyncSession, clock: Clock, person: User, household: Household, need: str
) -> None:
    audit.record(
        session,
        at=clock.now(),
        action="household.needs_changed",
        actor_id=person.id,
        subject_id=None,
        detail={"household_id": household.id, "need": need},
    )
