"""The coarse places of each community (buildings, blocks, areas) that its coordinators define.

A place is all that anyone but a task's holder and the coordinators learns of where a person
lives: volunteers' cards, paired-visit reminders and broadcasts' segments name a place, never
text a person typed (typed text may hold a flat number). The chosen place's name is copied to
`User.area` and `HelpRequest.area` so every view can show it without a query; this module is the
only code that writes those copies, and a rename rewrites them all."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.policy.permissions import Action, require
from bot.services import users as people  # (users imports this module too)
from bot.services.communities import FIRST_COMMUNITY_ID, home_of
from bot.services.errors import AreaEmpty, AreaTooLong, PlaceExists, PlaceNotFound
from storage.models import Place, User
from storage.repositories import audit
from storage.repositories import places as queries
from storage.repositories import users as user_queries

PLACE_NAME_MAX = 40  # it must fit on a button


def clean_place_name(text: str) -> str:
    name = people.clean_text(text)
    if not name or name.startswith("/"):
        raise AreaEmpty()
    if len(name) > PLACE_NAME_MAX:
        raise AreaTooLong(PLACE_NAME_MAX)
    return name


def of_person(person: User | None) -> tuple[int]:
    """The communities whose places a person chooses from: their own (for someone who has not
    yet said where they live, the first, where `home_of` puts them)."""
    return (home_of(person),)


async def offered(session: AsyncSession, community_ids: Collection[int]) -> list[Place]:
    """The places people of these communities may choose from now, in order; empty when none
    is defined yet."""
    return await queries.listed(session, community_ids)


async def offered_to_chat(session: AsyncSession, telegram_id: int) -> list[Place]:
    """The places offered to whoever writes from this Telegram account (a conversation that
    knows only its chat: the registration's questions, asked again)."""
    person = await user_queries.get_by_telegram_id(session, telegram_id)
    return await offered(session, of_person(person))


async def all_places(
    session: AsyncSession, coordinator: User, community_ids: Collection[int]
) -> list[Place]:
    """Shown and hidden places of the coordinator's communities, for their list."""
    require(coordinator, Action.MANAGE_PLACES)
    return await queries.listed(session, community_ids, include_hidden=True)


async def place_for_coordinator(
    session: AsyncSession, coordinator: User, place_id: int, community_ids: Collection[int]
) -> Place:
    require(coordinator, Action.MANAGE_PLACES)
    return await _place(session, place_id, community_ids)


async def offered_place(
    session: AsyncSession, place_id: int, community_ids: Collection[int]
) -> Place:
    """A place someone tapped: it must exist, be one of their communities' and still be
    offered (another community's place, from a forged button, does not exist for them)."""
    place = await queries.get(session, place_id)
    if place is None or not place.active or place.community_id not in community_ids:
        raise PlaceNotFound(place_id)
    return place


async def offered_named(
    session: AsyncSession, text: str, community_ids: Collection[int]
) -> Place | None:
    """The offered place whose name someone typed instead of tapping it, if any; text that
    names no place is never kept."""
    typed = people.clean_text(text).casefold()
    listed = await queries.listed(session, community_ids)
    return next((p for p in listed if p.name.casefold() == typed), None)


async def name_of(session: AsyncSession, place_id: int | None) -> str | None:
    place = await queries.get(session, place_id)
    return place.name if place else None


async def choose_place(
    session: AsyncSession, person: User, place_id: int, *, clock: Clock
) -> Place:
    """Someone tapped where they live or help, outside registration: a place of their own
    community."""
    place = await offered_place(session, place_id, of_person(person))
    assign(person, place)
    person.updated_at = clock.now()
    await session.flush()
    return place


def assign(person: User, place: Place | None) -> None:
    """Set (or clear, with None: "not sure") where a person lives or helps."""
    person.place_id = place.id if place else None
    person.area = place.name if place else None


async def add_place(
    session: AsyncSession,
    coordinator: User,
    name: str,
    *,
    community_id: int | None = None,
    clock: Clock,
) -> Place:
    """A new place of `community_id` (the one community the coordinator keeps places for;
    None: their own)."""
    require(coordinator, Action.MANAGE_PLACES)
    community_id = community_id if community_id is not None else home_of(coordinator)
    name = clean_place_name(name)
    existing = await queries.named(session, name, (community_id,))
    if existing is not None:
        if existing.active:
            raise PlaceExists()
        existing.active = True  # typing a hidden place's name again shows it again
        _audit(session, coordinator, existing, "place.shown", clock)
        await session.flush()
        return existing
    place = await _new_place(session, name, community_id, clock)
    _audit(session, coordinator, place, "place.added", clock)
    await session.flush()
    return place


async def seed_places(session: AsyncSession, names: list[str], *, clock: Clock) -> int:
    """The first places of the first community, from the settings (`PLACES`), while it has
    none at all; afterwards the coordinators' list is the truth and the setting changes
    nothing. Other communities' places are their coordinators' own."""
    first = (FIRST_COMMUNITY_ID,)
    if await queries.listed(session, first, include_hidden=True):
        return 0
    for name in dict.fromkeys(clean_place_name(name) for name in names):
        place = await _new_place(session, name, FIRST_COMMUNITY_ID, clock)
        _audit(session, None, place, "place.added", clock)
    await session.flush()
    return len(await queries.listed(session, first))


async def _new_place(session: AsyncSession, name: str, community_id: int, clock: Clock) -> Place:
    place = Place(
        community_id=community_id,
        name=name,
        position=await queries.next_position(session),
        active=True,
        created_at=clock.now(),
    )
    session.add(place)
    await session.flush()
    return place


async def rename_place(
    session: AsyncSession,
    coordinator: User,
    place_id: int,
    name: str,
    community_ids: Collection[int],
    *,
    clock: Clock,
) -> Place:
    require(coordinator, Action.MANAGE_PLACES)
    place = await _place(session, place_id, community_ids)
    name = clean_place_name(name)
    existing = await queries.named(session, name, (place.community_id,))
    if existing is not None and existing.id != place.id:
        raise PlaceExists()
    place.name = name
    await queries.relabel(session, place.id, name)
    _audit(session, coordinator, place, "place.renamed", clock)
    await session.flush()
    return place


async def set_shown(
    session: AsyncSession,
    coordinator: User,
    place_id: int,
    shown: bool,
    community_ids: Collection[int],
    *,
    clock: Clock,
) -> Place:
    """Hide a place (no longer offered; those who chose it keep it) or show it again."""
    require(coordinator, Action.MANAGE_PLACES)
    place = await _place(session, place_id, community_ids)
    place.active = shown
    _audit(session, coordinator, place, "place.shown" if shown else "place.hidden", clock)
    await session.flush()
    return place


async def _place(session: AsyncSession, place_id: int, community_ids: Collection[int]) -> Place:
    """A place of the coordinator's communities; another's (a forged button) is not found."""
    place = await queries.get(session, place_id)
    if place is None or place.community_id not in community_ids:
        raise PlaceNotFound(place_id)
    return place


def _audit(
    session: AsyncSession, actor: User | None, place: Place, action: str, clock: Clock
) -> None:
    audit.record(
        session,
        at=clock.now(),
        action=action,
        actor_id=actor.id if actor else None,
        subject_id=None,
        detail={"place_id": place.id, "name": place.name},
    )
