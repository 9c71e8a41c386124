"""The poster a coordinator prints for a lobby: which community (one of those they act for),
which of its places if the poster is for one building, its name, phone and join link."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import communities
from bot.services.errors import NotAllowed, PlaceNotFound
from storage.models import Community, Place, User
from storage.repositories import places as place_queries


@dataclass(frozen=True)
class PosterFacts:
    community_id: int
    name: str
    slug: str
    phone: str
    place: Place | None
    places: list[Place]  # the community's places, for a poster per building


async def communities_for_poster(
    session: AsyncSession, settings: Settings, person: User | None
) -> list[Community]:
    """The communities whose poster this coordinator may print, by name."""
    coordinator = require(person, Action.PRINT_POSTER)
    scope = await communities.scope_of(session, settings, coordinator)
    tree = await communities.tree(session, settings)
    return [row for row in tree.communities if row.id in scope]


async def poster_facts(
    session: AsyncSession,
    settings: Settings,
    person: User | None,
    community_id: int,
    place_id: int | None = None,
) -> PosterFacts:
    """`NotAllowed` for a community the coordinator does not act for; `PlaceNotFound` for a
    place that is not (or no longer) one of its places."""
    require(person, Action.PRINT_POSTER)
    await communities.require_within(session, settings, person, community_id)
    tree = await communities.tree(session, settings)
    row = tree.get(community_id)
    if row is None:
        raise NotAllowed()
    places = await place_queries.listed(session, [community_id])
    place = None
    if place_id:
        place = next((p for p in places if p.id == place_id), None)
        if place is None:
            raise PlaceNotFound(place_id)
    return PosterFacts(
        community_id=community_id,
        name=row.name,
        slug=row.slug,
        phone=tree.settings(community_id).phone,
        place=place,
        places=places,
    )
