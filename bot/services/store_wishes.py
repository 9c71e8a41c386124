"""A wish lit from the storehouse (义仓): a coordinator lights an open wish for a thing with
goods in stock. The wish moves under the wishes' own rules (lit by the coordinator, then marked
brought), so the household hears it as from any donor and confirms with one tap; the goods go
to its household in the same savepoint, so nothing changes unless both can."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.services import wishes
from bot.services.storehouse import WishNotLightable, give, item_for, keeper_of
from storage.models import StoreMovement, User, Wish, WishDelivery, WishKind, WishStatus
from storage.repositories import wishes as wish_queries


async def wishes_to_light(
    session: AsyncSession, person: User | None, community_id: int, settings: Settings | None
) -> list[Wish]:
    """Open wishes for a thing, of this community, that the storehouse could light."""
    await keeper_of(session, settings, person, community_id)
    found, _count = await wish_queries.open_wishes(
        session, [community_id], [WishKind.ITEM], limit=50
    )
    return sorted(found, key=lambda wish: wish.id)


async def light_wish_from_storehouse(
    session: AsyncSession,
    person: User | None,
    *,
    wish_id: int,
    item_id: int,
    quantity_given: int,
    delivery: WishDelivery,
    clock: Clock,
    settings: Settings,
) -> tuple[Wish, StoreMovement]:
    """A coordinator lights an open wish with goods from the storehouse: the wish is lit by
    them and marked brought (the wishes' own rules, so the household hears it as from any
    donor and confirms with one tap), and the goods are given to its household, all in one
    savepoint: not enough stock, or a neighbour who lit it first, and nothing changed."""
    person, item = await item_for(session, settings, person, item_id)
    wish = await wish_queries.get(session, wish_id)
    if (
        wish is None
        or wish.community_id != item.community_id
        or wish.kind is not WishKind.ITEM
        or wish.status is not WishStatus.OPEN
    ):
        raise WishNotLightable()
    async with session.begin_nested():
        movement = await give(
            session, item, quantity_given, household_id=wish.household_id, by=person,
            now=clock.now(), wish_id=wish.id,
        )  # fmt: skip
        try:
            wish = await wishes.light(
                session, person, wish.id, wish.version, clock=clock, settings=settings
            )
            wish = await wishes.mark_delivered(
                session, person, wish.id, wish.version, delivery, clock=clock
            )
        except wishes.WishChanged:
            raise WishNotLightable() from None
    return wish, movement
