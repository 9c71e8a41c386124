"""Time as a gift (爱心时间 offered): anyone registered (a resident whose household was helped
too) offers what they could give, for how long and when they are free; a coordinator of the
community matches the offer to a request or a service wish, and confirms it was given, which
credits the time to the offerer's account once.

Matching follows the rules of what is matched to: only an approved volunteer who serves the
community can hold a task (the request is then assigned to them, `review.assign_task`, and
they see its details as any holder does) or take on a service wish (`wishes.light`). Anyone
else's offer is linked to the request and they are told what it is; a coordinator arranges
the rest by phone, and no address or phone of the other household reaches them here.

Every step is a conditional UPDATE on the offer's status and version: a double tap, or two
coordinators at once, match (and credit) once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import ledger, review, wishes
from bot.services.claims import MAX_MINUTES, Task
from bot.services.communities import home_of, require_within, scope_of
from bot.services.errors import (
    DomainError,
    InvalidInput,
    MinutesInvalid,
    NotAllowed,
    OutsideCommunity,
    RequestNotFound,
    TextTooLong,
    VolunteerNotApproved,
)
from bot.services.requests import FINISHED
from bot.services.users import clean_text
from bot.services.volunteers import approved_volunteer, within
from storage.models import (
    HelpRequest,
    OfferStatus,
    TimeOffer,
    User,
    Wish,
    WishKind,
    WishStatus,
)
from storage.repositories import audit
from storage.repositories import requests as request_queries
from storage.repositories import time_offers as queries
from storage.repositories import users as user_queries
from storage.repositories import wishes as wish_queries

KINDS = ("company", "phone", "errands", "repairs", "calls")
"""What can be tapped: keeping an elder company, teaching phone use, errands, small repairs,
a friendly call; anything else in their own words."""
FREE_WHEN = ("mornings", "afternoons", "evenings", "weekends")
"""When they are free, to tap (weekday mornings, afternoons, evenings; weekends)."""
WORDS_MAX = 200
FREE_WORDS_MAX = 100
PICK_MAX = 8  # requests or wishes offered to match, one button each
LIST_MAX = 10


class OfferNotFound(DomainError):
    """No such offer, or not of the communities the person acts in (a forged button)."""


class OfferChanged(DomainError):
    """The offer is no longer where the button was drawn (matched, credited or withdrawn)."""

    def __init__(self, offer: TimeOffer) -> None:
        super().__init__(offer.id)
        self.offer = offer


class OfferEmpty(InvalidInput):
    """Neither a kind tapped nor words said."""


@dataclass(frozen=True)
class OfferDraft:
    minutes: int
    kind: str | None = None
    words: str = ""
    free_when: str | None = None
    free_words: str = ""


@dataclass(frozen=True)
class Matched:
    offer: TimeOffer
    offerer: User
    task: Task | None = None  # the request, assigned to the offerer (an approved volunteer)
    previous_id: int | None = None  # who held the task before
    request: HelpRequest | None = None
    wish: Wish | None = None


def clean_words(text: str | None, limit: int = WORDS_MAX) -> str:
    """A few words on one line; `TextTooLong` past `limit`."""
    cleaned = clean_text(text or "")
    if len(cleaned) > limit:
        raise TextTooLong(limit)
    return cleaned


def check_minutes(minutes: int | None) -> int:
    if minutes is None or not 1 <= minutes <= MAX_MINUTES:
        raise MinutesInvalid()
    return minutes


async def offer_time(
    session: AsyncSession, person: User | None, draft: OfferDraft, *, clock: Clock
) -> TimeOffer:
    """Record an offer of time in the person's community, open for its coordinators."""
    person = require(person, Action.OFFER_TIME)
    if draft.kind is not None and draft.kind not in KINDS:
        raise InvalidInput()
    if draft.free_when is not None and draft.free_when not in FREE_WHEN:
        raise InvalidInput()
    words = clean_words(draft.words)
    if draft.kind is None and not words:
        raise OfferEmpty()
    now = clock.now()
    offer = TimeOffer(
        community_id=home_of(person),
        offered_by_id=person.id,
        kind=draft.kind,
        words=words,
        minutes=check_minutes(draft.minutes),
        free_when=draft.free_when,
        free_words=clean_words(draft.free_words, FREE_WORDS_MAX),
        status=OfferStatus.OPEN,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(offer)
    await session.flush()
    _audit(session, offer, person, "offered", clock)
    return offer


async def own_offers(session: AsyncSession, person: User | None) -> list[TimeOffer]:
    """The person's offers still open or matched."""
    person = require(person, Action.OFFER_TIME)
    return await queries.under_way_of(session, person.id)


async def _change(
    session: AsyncSession,
    offer: TimeOffer,
    *,
    expect: tuple[OfferStatus, ...],
    version: int,
    values: dict[str, object],
    clock: Clock,
) -> TimeOffer:
    """Move `offer` on if it is still in `expect` at `version`; else `OfferChanged`."""
    if offer.status not in expect or not await queries.update_if_unchanged(
        session, offer.id, status=offer.status, version=version,
        values={"updated_at": clock.now(), **values},
    ):  # fmt: skip
        await session.refresh(offer)
        raise OfferChanged(offer)
    await session.refresh(offer)
    return offer


def _audit(session: AsyncSession, offer: TimeOffer, actor: User, action: str, clock: Clock) -> None:
    audit.record(
        session,
        at=clock.now(),
        action=f"offer.{action}",
        actor_id=actor.id,
        subject_id=offer.offered_by_id,
        detail={"offer_id": offer.id, "status": str(offer.status)},
    )


async def withdraw(
    session: AsyncSession, person: User | None, offer_id: int, version: int, *, clock: Clock
) -> TimeOffer:
    """The offerer takes back their own offer, open or matched (not once it was given)."""
    offer = await queries.get(session, offer_id)
    if offer is None or person is None:
        raise OfferNotFound()
    try:
        person = require(person, Action.WITHDRAW_OFFER, offer)
    except NotAllowed:
        raise OfferNotFound() from None
    offer = await _change(
        session, offer, expect=queries.UNDER_WAY, version=version,
        values={"status": OfferStatus.WITHDRAWN}, clock=clock,
    )  # fmt: skip
    _audit(session, offer, person, "withdrawn", clock)
    return offer


# coordinators


async def offers_for(
    session: AsyncSession, coordinator: User | None, *, settings: Settings | None
) -> list[tuple[TimeOffer, User]]:
    """Open and matched offers of the coordinator's communities, with who offered each."""
    coordinator = require(coordinator, Action.MATCH_OFFERS)
    scope = await scope_of(session, settings, coordinator)
    found = []
    for offer in await queries.under_way_in(session, scope, limit=LIST_MAX):
        offerer = await user_queries.get_by_id(session, offer.offered_by_id)
        if offerer is not None:
            found.append((offer, offerer))
    return found


async def offer_for_coordinator(
    session: AsyncSession, coordinator: User | None, offer_id: int, *, settings: Settings | None
) -> tuple[User, TimeOffer, User]:
    """The coordinator, the offer and its offerer, if the offer is of their communities."""
    coordinator = require(coordinator, Action.MATCH_OFFERS)
    offer = await queries.get(session, offer_id)
    if offer is None:
        raise OfferNotFound()
    try:
        await require_within(session, settings, coordinator, offer.community_id)
    except NotAllowed:
        raise OutsideCommunity() from None
    offerer = await user_queries.get_by_id(session, offer.offered_by_id)
    if offerer is None:
        raise OfferNotFound()
    return coordinator, offer, offerer


async def _open_offer(
    session: AsyncSession,
    coordinator: User | None,
    offer_id: int,
    version: int,
    settings: Settings | None,
) -> tuple[User, TimeOffer, User]:
    """The offer, still open at the version the button was drawn with (else `OfferChanged`,
    before anything else is looked at: a double tap reads "changed", not "gone")."""
    found = await offer_for_coordinator(session, coordinator, offer_id, settings=settings)
    offer = found[1]
    if offer.status is not OfferStatus.OPEN or offer.version != version:
        raise OfferChanged(offer)
    return found


async def may_hold(
    session: AsyncSession, settings: Settings | None, offerer: User, community_id: int
) -> bool:
    """Whether the offerer may hold a task or take on a service wish of this community: an
    approved volunteer (or a coordinator) who serves it."""
    try:
        await approved_volunteer(session, offerer)
        await within(session, settings, offerer, community_id)
    except (NotAllowed, VolunteerNotApproved):
        return False
    return True


async def requests_to_match(
    session: AsyncSession, coordinator: User | None, offer_id: int, *, settings: Settings | None
) -> list[HelpRequest]:
    """Requests of the offer's community waiting to be checked or taken (not the offerer's)."""
    _coordinator, offer, offerer = await offer_for_coordinator(
        session, coordinator, offer_id, settings=settings
    )
    found = await request_queries.waiting(session, [offer.community_id], limit=PICK_MAX + 1)
    return [request for request in found if request.resident_id != offerer.id][:PICK_MAX]


async def match_to_request(
    session: AsyncSession,
    coordinator: User | None,
    offer_id: int,
    version: int,
    request_id: int,
    *,
    clock: Clock,
    settings: Settings | None,
) -> Matched:
    """Match an open offer to a request of its community. An offerer who may hold tasks is
    assigned it (as a coordinator assigns a volunteer); anyone else's offer is linked to it."""
    coordinator, offer, offerer = await _open_offer(
        session, coordinator, offer_id, version, settings
    )
    _, request = await review.request_for_coordinator(
        session, coordinator, request_id, settings=settings
    )
    if (
        request.community_id != offer.community_id
        or request.status in FINISHED
        or request.resident_id == offerer.id
    ):
        raise RequestNotFound()
    holds = await may_hold(session, settings, offerer, offer.community_id)
    async with session.begin_nested():  # both, or neither
        offer = await _change(
            session, offer, expect=(OfferStatus.OPEN,), version=version, clock=clock,
            values={"status": OfferStatus.MATCHED, "request_id": request.id,
                    "matched_by_id": coordinator.id},
        )  # fmt: skip
        task, previous = None, None
        if holds:
            task, _volunteer, previous = await review.assign_task(
                session, coordinator, request.id, request.version, offerer.id,
                clock=clock, settings=settings,
            )  # fmt: skip
    _audit(session, offer, coordinator, "matched", clock)
    return Matched(offer, offerer, task=task, previous_id=previous, request=request)


async def wishes_to_match(
    session: AsyncSession, coordinator: User | None, offer_id: int, *, settings: Settings | None
) -> list[Wish]:
    """Open service wishes of the offer's community, if the offerer may take one on."""
    _coordinator, offer, offerer = await offer_for_coordinator(
        session, coordinator, offer_id, settings=settings
    )
    if not await may_hold(session, settings, offerer, offer.community_id):
        raise VolunteerNotApproved()
    found, _total = await wish_queries.open_wishes(
        session, [offer.community_id], [WishKind.SERVICE], limit=PICK_MAX
    )
    return found


async def match_to_wish(
    session: AsyncSession,
    coordinator: User | None,
    offer_id: int,
    version: int,
    wish_id: int,
    *,
    clock: Clock,
    settings: Settings,
) -> Matched:
    """Match an open offer to an open service wish of its community: the offerer (an approved
    volunteer) lights it, as if they had pressed "我来点亮" themselves."""
    coordinator, offer, offerer = await _open_offer(
        session, coordinator, offer_id, version, settings
    )
    _, wish = await wishes.wish_for_coordinator(session, coordinator, wish_id, settings=settings)
    if wish.kind is not WishKind.SERVICE or wish.community_id != offer.community_id:
        raise wishes.WishNotFound()
    if wish.status is not WishStatus.OPEN:
        raise wishes.WishChanged(wish)
    if not await may_hold(session, settings, offerer, offer.community_id):
        raise VolunteerNotApproved()
    async with session.begin_nested():
        offer = await _change(
            session, offer, expect=(OfferStatus.OPEN,), version=version, clock=clock,
            values={"status": OfferStatus.MATCHED, "wish_id": wish.id,
                    "matched_by_id": coordinator.id},
        )  # fmt: skip
        wish = await wishes.light(
            session, offerer, wish.id, wish.version, clock=clock, settings=settings
        )
    _audit(session, offer, coordinator, "matched", clock)
    return Matched(offer, offerer, wish=wish)


async def mark_given(
    session: AsyncSession,
    coordinator: User | None,
    offer_id: int,
    version: int,
    *,
    clock: Clock,
    settings: Settings | None,
) -> Matched:
    """The time was given: the offer is done and its minutes credited to the offerer's time
    account, once. For a task the offerer held, the credit is the task's own ("request:<id>",
    the same the volunteer's ✅ Done makes), so the time is never counted twice."""
    coordinator, offer, offerer = await offer_for_coordinator(
        session, coordinator, offer_id, settings=settings
    )
    request = await request_queries.get(session, offer.request_id) if offer.request_id else None
    held = request is not None and request.volunteer_id == offerer.id
    now = clock.now()
    offer = await _change(
        session, offer, expect=queries.UNDER_WAY, version=version, clock=clock,
        values={"status": OfferStatus.DONE, "given_at": now},
    )  # fmt: skip
    await ledger.credit_time(
        session,
        community_id=offer.community_id,
        person_id=offerer.id,
        minutes=offer.minutes,
        now=now,
        source=f"request:{request.id}" if held and request else f"offer:{offer.id}",
        kind=ledger.TIME_TASK if held else ledger.TIME_GIVEN,
        by_id=coordinator.id,
    )
    _audit(session, offer, coordinator, "given", clock)
    return Matched(offer, offerer, request=request)


async def erase_of(session: AsyncSession, user: User) -> list[str]:
    """On "delete my data": their offers, and the words they typed in them (to redact)."""
    return await queries.erase_of(session, user.id)
