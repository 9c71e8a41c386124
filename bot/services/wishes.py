"""Small wishes (点亮微心愿): a household posts one, its coordinators verify it, a neighbour lights
it, brings it, the household confirms it and may say thank you.

Every step is a conditional UPDATE on the wish's status and version (`storage.repositories.
wishes.update_if_unchanged`): of two donors pressing "我来点亮" at once exactly one wins, a
stale or doubled press changes nothing, and the scheduler's reminders and lapses are each done
once across processes. A donor sees only the form of address, the age band, the approved words
and the area: never the household's label or address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, may, require
from bot.services import communities, households, places, wish_campaigns
from bot.services.communities import require_within, scope_of
from bot.services.errors import (
    DomainError,
    InvalidInput,
    NotAllowed,
    OutsideCommunity,
    TextTooLong,
    VolunteerNotApproved,
)
from bot.services.requests import clean_long_text
from bot.services.users import clean_text
from bot.services.volunteers import approved_volunteer
from storage.models import Household, User, Wish, WishDelivery, WishKind, WishStatus
from storage.repositories import audit
from storage.repositories import households as household_queries
from storage.repositories import wishes as queries

WORDS_MAX = 500  # a small wish is said in a few words
ADDRESS_AS_MAX = 16
THANKS_MAX = 1000
VALUE_MAX = 100_000
AGE_BANDS = ("child", "teen", "adult", "60s", "70s", "80s", "90s")
UNDER_WAY = (WishStatus.PENDING, WishStatus.OPEN, WishStatus.LIT, WishStatus.DELIVERED)


class WishNotFound(DomainError):
    """No such wish, or not one of the communities the person acts in (a forged button)."""


class WishChanged(DomainError):
    """The wish is no longer where the button was drawn (someone acted first)."""

    def __init__(self, wish: Wish) -> None:
        super().__init__(wish.id)
        self.wish = wish


class WishTaken(WishChanged):
    """Another donor lit it first."""


class WishWordsInvalid(InvalidInput):
    """Empty words where words are needed."""


class ValueInvalid(InvalidInput):
    """Not an amount in yuan."""


@dataclass(frozen=True)
class WishDraft:
    kind: WishKind
    description: str
    address_as: str
    age_band: str
    value_yuan: int | None = None
    voice_file_id: str | None = None
    photo_file_id: str | None = None


def clean_words(text: str | None) -> str:
    """A wish's words: kept with their line breaks; TextTooLong past WORDS_MAX."""
    return clean_long_text(text, WORDS_MAX)


def clean_address_as(text: str | None) -> str:
    """How donors will address her ("王奶奶", "Grandma Wang"): a few characters, no digits
    (a phone number or a door number is not a form of address)."""
    cleaned = clean_text(text or "")
    if not cleaned or any(char.isdigit() for char in cleaned):
        raise WishWordsInvalid()
    if len(cleaned) > ADDRESS_AS_MAX:
        raise TextTooLong(ADDRESS_AS_MAX)
    return cleaned


_AMOUNT = re.compile(r"\d{1,7}")


def parse_value(text: str | None) -> int:
    """An approximate value typed as "200", "约200元", "¥ 200"."""
    found = _AMOUNT.findall((text or "").replace(",", "").replace("，", ""))
    if len(found) != 1 or not 1 <= int(found[0]) <= VALUE_MAX:
        raise ValueInvalid()
    return int(found[0])


async def change(
    session: AsyncSession,
    wish: Wish,
    *,
    expect: WishStatus | tuple[WishStatus, ...],
    version: int,
    values: dict[str, Any],
    clock: Clock,
    actor: User | None,
    action: str,
    changed: type[WishChanged] = WishChanged,
) -> Wish:
    """Move `wish` on if it is still in `expect` at `version`; else `changed`, with the wish
    as it is now."""
    statuses = expect if isinstance(expect, tuple) else (expect,)
    now = clock.now()
    if wish.status not in statuses or not await queries.update_if_unchanged(
        session, wish.id, status=wish.status, version=version, values={"updated_at": now, **values}
    ):
        await session.refresh(wish)
        raise changed(wish)
    await session.refresh(wish)
    audit.record(
        session,
        at=now,
        action=f"wish.{action}",
        actor_id=actor.id if actor else None,
        subject_id=None,
        detail={"wish_id": wish.id, "status": str(wish.status)},
    )
    await session.flush()
    return wish


# posting


async def post_wish(
    session: AsyncSession,
    person: User | None,
    draft: WishDraft,
    *,
    clock: Clock,
    household_id: int | None = None,
    settings: Settings | None = None,
) -> tuple[Wish, Household]:
    """A resident's own wish (`household_id` None: her household, opened if she has none), or
    a coordinator's for a household of their communities (someone without a phone)."""
    now = clock.now()
    if household_id is None:
        person = require(person, Action.POST_WISH)
        household = await households.household_of(session, person, now=now)
    else:
        person = require(person, Action.MANAGE_HOUSEHOLDS)
        found = await household_queries.get(session, household_id)
        if found is None:
            raise WishNotFound()
        await require_within(session, settings, person, found.community_id)
        household = found
    if draft.kind not in set(WishKind) or draft.age_band not in AGE_BANDS:
        raise InvalidInput()
    words = clean_words(draft.description)
    if not (words or draft.voice_file_id or draft.photo_file_id):
        raise WishWordsInvalid()
    # where she lives: the household's place, else (her own wish) the place she gave
    own_place = person.place_id if household_id is None else None
    area = await places.name_of(session, household.place_id or own_place)
    wish = queries.add(
        session,
        Wish(
            community_id=household.community_id,
            household_id=household.id,
            posted_by_id=person.id,
            for_someone=household_id is not None,
            kind=draft.kind,
            description=words,
            voice_file_id=draft.voice_file_id,
            photo_file_id=draft.photo_file_id,
            value_yuan=draft.value_yuan,
            address_as=clean_address_as(draft.address_as),
            age_band=draft.age_band,
            area=area or "",
            status=WishStatus.PENDING,
            created_at=now,
            updated_at=now,
        ),
    )
    await session.flush()
    audit.record(
        session,
        at=now,
        action="wish.posted",
        actor_id=person.id,
        subject_id=None,
        detail={"wish_id": wish.id, "household_id": household.id},
    )
    return wish, household


async def households_to_post_for(
    session: AsyncSession, coordinator: User | None, *, settings: Settings | None = None
) -> list[Household]:
    coordinator = require(coordinator, Action.MANAGE_HOUSEHOLDS)
    return await household_queries.listed(session, await scope_of(session, settings, coordinator))


# verifying


async def wish_for_coordinator(
    session: AsyncSession, person: User | None, wish_id: int, *, settings: Settings | None
) -> tuple[User, Wish]:
    """The wish, for a coordinator of its community (else NotAllowed / OutsideCommunity)."""
    coordinator = require(person, Action.REVIEW_WISHES)
    wish = await queries.get(session, wish_id)
    if wish is None:
        raise WishNotFound()
    try:
        await require_within(session, settings, coordinator, wish.community_id)
    except NotAllowed:
        raise OutsideCommunity() from None
    return coordinator, wish


async def approve(
    session: AsyncSession, coordinator: User, wish: Wish, version: int, *, clock: Clock
) -> Wish:
    """Donors read only words (her voice note or photo stays with the coordinators): a wish
    said only by voice gets its words from the coordinator first (WishWordsInvalid)."""
    if not wish.description:
        raise WishWordsInvalid()
    wish = await change(
        session, wish, expect=WishStatus.PENDING, version=version, clock=clock,
        values={"status": WishStatus.OPEN, "reviewed_by_id": coordinator.id},
        actor=coordinator, action="approved",
    )  # fmt: skip
    await wish_campaigns.join_running(session, wish)  # verified on the day: it joins the day
    return wish


async def edit_words(
    session: AsyncSession, coordinator: User, wish: Wish, version: int, words: str, *, clock: Clock
) -> Wish:
    """The coordinator's words in place of the household's (what donors will read)."""
    cleaned = clean_words(words)
    if not cleaned:
        raise WishWordsInvalid()
    return await change(
        session, wish, expect=(WishStatus.PENDING, WishStatus.OPEN), version=version,
        values={"description": cleaned}, clock=clock, actor=coordinator, action="edited",
    )  # fmt: skip


async def decline(
    session: AsyncSession, coordinator: User, wish: Wish, version: int, *, clock: Clock
) -> Wish:
    return await change(
        session, wish, expect=(WishStatus.PENDING, WishStatus.OPEN), version=version,
        values={"status": WishStatus.DECLINED, "reviewed_by_id": coordinator.id},
        clock=clock, actor=coordinator, action="declined",
    )  # fmt: skip


def clean_question(text: str | None) -> str:
    cleaned = clean_long_text(text, WORDS_MAX)
    if not cleaned:
        raise WishWordsInvalid()
    return cleaned


async def posted_wish(session: AsyncSession, person: User | None, wish_id: int) -> Wish:
    """A wish of the person's own household (to answer a question about it)."""
    wish = await queries.get(session, wish_id)
    if wish is None or person is None or not _of_household(person, wish):
        raise WishNotFound()
    return wish


def _of_household(person: User, wish: Wish) -> bool:
    return person.household_id is not None and person.household_id == wish.household_id


async def own_under_way(session: AsyncSession, person: User | None) -> list[Wish]:
    """The wishes of the person's household still under way (to show where each stands)."""
    if person is None or person.household_id is None:
        return []
    found = await queries.of_household(session, person.household_id)
    return [wish for wish in found if wish.status in UNDER_WAY]


async def household_members(session: AsyncSession, wish: Wish) -> list[User]:
    return await household_queries.members(session, wish.household_id)


# lighting


async def _may_give(session: AsyncSession, donor: User, kind: WishKind) -> bool:
    if kind is WishKind.ITEM:
        return True
    try:
        await approved_volunteer(session, donor)
    except (NotAllowed, VolunteerNotApproved):
        return False
    return True


async def open_for(
    session: AsyncSession,
    donor: User | None,
    *,
    settings: Settings | None,
    limit: int = 5,
    offset: int = 0,
) -> tuple[list[Wish], int]:
    """Verified wishes of the donor's communities that they may light (service wishes only
    for approved volunteers), and how many in all."""
    donor = require(donor, Action.LIGHT_WISH)
    kinds = [kind for kind in WishKind if await _may_give(session, donor, kind)]
    scope = await scope_of(session, settings, donor)
    return await queries.open_wishes(
        session, scope, kinds, limit=limit, offset=offset, donor_id=donor.id
    )


async def light(
    session: AsyncSession,
    donor: User | None,
    wish_id: int,
    version: int,
    *,
    clock: Clock,
    settings: Settings,
) -> Wish:
    """ "我来点亮": the wish is the donor's until the deadline. Of several donors at once, one
    wins; the others get WishTaken."""
    donor = require(donor, Action.LIGHT_WISH)
    wish = await queries.get(session, wish_id)
    if wish is None:
        raise WishNotFound()
    try:
        await require_within(session, settings, donor, wish.community_id)
    except NotAllowed:
        raise WishNotFound() from None
    if not await _may_give(session, donor, wish.kind):
        raise VolunteerNotApproved()
    if wish.status is not WishStatus.OPEN:
        raise (WishTaken if wish.status is WishStatus.LIT else WishChanged)(wish)
    if wish.version != version:
        raise WishChanged(wish)  # the words changed since the donor read them
    now = clock.now()
    try:
        return await change(
            session, wish, expect=WishStatus.OPEN, version=version, clock=clock,
            values={
                "status": WishStatus.LIT, "donor_id": donor.id, "lit_at": now,
                "due_at": now + timedelta(days=settings.wish_claim_days), "reminded_at": None,
            },
            actor=donor, action="lit", changed=WishTaken,
        )  # fmt: skip
    except WishTaken as taken:
        if taken.wish.status is not WishStatus.LIT:
            raise WishChanged(taken.wish) from None
        raise


async def donor_wish(session: AsyncSession, donor: User | None, wish_id: int) -> Wish:
    """A wish this donor lit."""
    donor = require(donor, Action.LIGHT_WISH)
    wish = await queries.get(session, wish_id)
    if wish is None or wish.donor_id != donor.id:
        raise WishNotFound()
    return wish


async def release(
    session: AsyncSession, donor: User | None, wish_id: int, version: int, *, clock: Clock
) -> Wish:
    """ "I can't after all": back to the pool for another neighbour."""
    wish = await donor_wish(session, donor, wish_id)
    return await change(
        session, wish, expect=WishStatus.LIT, version=version, clock=clock,
        values={"status": WishStatus.OPEN, "donor_id": None, "due_at": None, "reminded_at": None},
        actor=donor, action="released",
    )  # fmt: skip


async def mark_delivered(
    session: AsyncSession,
    donor: User | None,
    wish_id: int,
    version: int,
    how: WishDelivery,
    *,
    clock: Clock,
) -> Wish:
    wish = await donor_wish(session, donor, wish_id)
    return await change(
        session, wish, expect=WishStatus.LIT, version=version, clock=clock,
        values={"status": WishStatus.DELIVERED, "delivery": how, "delivered_at": clock.now()},
        actor=donor, action="delivered",
    )  # fmt: skip


async def pickup_point_for(session: AsyncSession, settings: Settings | None, wish_id: int) -> str:
    """The pick-up point of the wish's community ("" if it has none, or no such wish)."""
    wish = await queries.get(session, wish_id)
    if wish is None:
        return ""
    return (await communities.tree(session, settings)).settings(wish.community_id).pickup_point


async def confirm_received(
    session: AsyncSession,
    person: User | None,
    wish_id: int,
    *,
    clock: Clock,
    settings: Settings | None,
) -> Wish:
    """One tap by someone of the household, or by a coordinator of its community for it."""
    wish = await queries.get(session, wish_id)
    if wish is None or person is None:
        raise WishNotFound()
    if not _of_household(person, wish):
        if not may(person, Action.REVIEW_WISHES):
            raise WishNotFound()
        try:
            await require_within(session, settings, person, wish.community_id)
        except NotAllowed:
            raise WishNotFound() from None
    return await change(
        session, wish, expect=(WishStatus.LIT, WishStatus.DELIVERED), version=wish.version,
        values={
            "status": WishStatus.RECEIVED, "received_at": clock.now(), "received_by_id": person.id,
        },
        clock=clock, actor=person, action="received",
    )  # fmt: skip


async def send_thanks(
    session: AsyncSession,
    person: User | None,
    wish_id: int,
    *,
    text: str,
    voice_file_id: str | None,
    photo_file_id: str | None,
    clock: Clock,
) -> Wish:
    """Thanks from the household (words, a voice note, a photo of the gift), once."""
    wish = await posted_wish(session, person, wish_id)
    words = clean_long_text(text, THANKS_MAX)
    if not (words or voice_file_id or photo_file_id):
        raise WishWordsInvalid()
    if wish.thanked_at is not None:
        raise WishChanged(wish)
    return await change(
        session, wish, expect=WishStatus.RECEIVED, version=wish.version, clock=clock,
        values={
            "thanks_text": words or None, "thanks_voice_file_id": voice_file_id,
            "thanks_photo_file_id": photo_file_id, "thanked_at": clock.now(),
        },
        actor=person, action="thanked",
    )  # fmt: skip
