"""Rules of the storehouse (义仓) below the chat, on SQLite and PostgreSQL: stock is the log's
sum and never negative, also when many coordinators give the last of it at once; low stock
and food expiring within a week are flagged, gifts taken from the batches that expire first;
a pledge's due days, its reminder claimed once, expected against received; a wish lit from
the storehouse; another community's items and households are out of reach."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.services import households, store_pledges, store_wishes, storehouse, wishes
from bot.services.communities import FIRST_COMMUNITY_ID, add_community
from bot.services.errors import NotAllowed
from bot.services.storehouse import NotEnoughStock
from bot.services.wishes import WishDraft
from storage.models import (
    Household,
    PledgeCadence,
    StoreItem,
    StoreMovement,
    User,
    UserRole,
    WishDelivery,
    WishKind,
    WishStatus,
)
from storage.repositories import storehouse as queries
from tests.people import make_person

pytestmark = pytest.mark.postgresql
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
C = FIRST_COMMUNITY_ID
RACERS = 12


def _settings() -> Settings:
    return load_settings(_env_file=None, wish_claim_days=7)


async def _keeper_item_home(
    session: AsyncSession, clock: ManualClock, *, is_food: bool = False, low_at: int = 2
) -> tuple[User, StoreItem, Household]:
    lin = await make_person(session, clock, 2, UserRole.COORDINATOR, name="Lin")
    rice = await storehouse.add_item(
        session, lin, community_id=C, name="大米", unit="kg", is_food=is_food, low_at=low_at,
        now=clock.now(),
    )  # fmt: skip
    home = await households.open_household(
        session, community_id=C, label="周伯伯家", now=clock.now(), by=lin
    )
    return lin, rice, home


async def test_received_and_given_stock_is_the_log_s_sum_and_flags_low(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(NOW)
    lin, rice, home = await _keeper_item_home(session, clock)
    await storehouse.record_received(
        session, lin, item_id=rice.id, quantity_received=10, expires_on=None, donor="陈大明",
        now=clock.now(),
    )  # fmt: skip
    await storehouse.give_to_household(
        session, lin, item_id=rice.id, household_id=home.id, quantity_given=3, now=clock.now()
    )
    (line,) = await storehouse.stock_view(session, lin, C, now=clock.now(), settings=_settings())
    assert (line.item.stock, line.low) == (7, False)
    with pytest.raises(NotEnoughStock) as refused:
        await storehouse.give_to_household(
            session, lin, item_id=rice.id, household_id=home.id, quantity_given=8,
            now=clock.now(),
        )  # fmt: skip
    assert refused.value.stock == 7
    await storehouse.give_to_household(
        session, lin, item_id=rice.id, household_id=home.id, quantity_given=5, now=clock.now()
    )
    (line,) = await storehouse.stock_view(session, lin, C, now=clock.now(), settings=_settings())
    assert (line.item.stock, line.low) == (2, True)  # at the threshold
    assert await queries.log_sum(session, rice.id) == 2
    with pytest.raises(storehouse.QuantityInvalid):
        await storehouse.give_to_household(
            session, lin, item_id=rice.id, household_id=home.id, quantity_given=0,
            now=clock.now(),
        )  # fmt: skip
    assert storehouse.parse_quantity("10 kg") == 10 and storehouse.parse_quantity("a lot") is None
    assert storehouse.parse_date("3月15日", date(2026, 3, 2)) == date(2026, 3, 15)
    assert storehouse.parse_date("1-5", date(2026, 3, 2)) == date(2027, 1, 5)
    assert storehouse.parse_date("2-30", date(2026, 3, 2)) is None


async def test_food_expiring_within_a_week_is_flagged_and_given_first(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(NOW)
    lin, oil, home = await _keeper_item_home(session, clock, is_food=True, low_at=0)
    today = date(2026, 3, 2)
    for amount, expires in ((4, today + timedelta(days=30)), (3, today + timedelta(days=5))):
        await storehouse.record_received(
            session, lin, item_id=oil.id, quantity_received=amount, expires_on=expires,
            donor=None, now=clock.now(),
        )  # fmt: skip
    (line,) = await storehouse.stock_view(session, lin, C, now=clock.now(), settings=_settings())
    assert (line.expiring, line.expires_first) == (3, today + timedelta(days=5))
    await storehouse.give_to_household(
        session, lin, item_id=oil.id, household_id=home.id, quantity_given=3, now=clock.now()
    )
    (line,) = await storehouse.stock_view(session, lin, C, now=clock.now(), settings=_settings())
    assert line.expiring == 0 and [b.left for b in line.batches] == [4]  # the soonest went first


async def test_many_coordinators_giving_at_once_never_take_stock_below_zero(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    """Twelve gifts of 3 kg at once from 20 kg: six are made, the others refused; the stock
    is 2 and is the log's sum."""
    clock.set(NOW)
    async with session_factory() as session:
        lin, rice, home = await _keeper_item_home(session, clock)
        await storehouse.record_received(
            session, lin, item_id=rice.id, quantity_received=20, expires_on=None, donor=None,
            now=clock.now(),
        )  # fmt: skip
        await session.commit()
        lin_id, rice_id, home_id = lin.id, rice.id, home.id
    start = asyncio.Event()

    async def give() -> str:
        async with session_factory() as s:
            person = await s.get(User, lin_id)
            await start.wait()
            try:
                await storehouse.give_to_household(
                    s, person, item_id=rice_id, household_id=home_id, quantity_given=3,
                    now=clock.now(),
                )  # fmt: skip
            except NotEnoughStock:
                await s.rollback()
                return "refused"
            await asyncio.sleep(0.01)  # hold the row a moment while the others try
            await s.commit()
            return "made"

    racers = [asyncio.create_task(give()) for _ in range(RACERS)]
    await asyncio.sleep(0.05)
    start.set()
    results = await asyncio.gather(*racers)
    assert results.count("made") == 6 and results.count("refused") == RACERS - 6
    async with session_factory() as session:
        item = await session.get(StoreItem, rice_id)
        assert item is not None and item.stock == 2
        assert await queries.log_sum(session, rice_id) == 2
        given = await session.scalar(
            select(func.count(StoreMovement.id)).where(StoreMovement.household_id == home_id)
        )
        assert given == 6


async def test_another_community_s_items_and_homes_are_out_of_reach(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(NOW)
    lin, rice, home = await _keeper_item_home(session, clock)
    east = await add_community(session, name="East Lane", slug="east", clock=clock)
    eve = await make_person(session, clock, 9, UserRole.COORDINATOR, name="Eve",
                            community_id=east.id)  # fmt: skip
    tao = await make_person(session, clock, 3, UserRole.VOLUNTEER, name="Tao")
    with pytest.raises(storehouse.ItemNotFound):
        await storehouse.record_received(
            session, eve, item_id=rice.id, quantity_received=1, expires_on=None, donor=None,
            now=clock.now(),
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        await storehouse.items_of(session, tao, C, None)
    far = await households.open_household(
        session, community_id=east.id, label="东边家", now=clock.now(), by=eve
    )
    with pytest.raises(storehouse.HouseholdNotFound):
        await storehouse.give_to_household(
            session, lin, item_id=rice.id, household_id=far.id, quantity_given=1, now=clock.now()
        )
    with pytest.raises(storehouse.ItemNameTaken):
        await storehouse.add_item(session, lin, community_id=C, name="大米", unit="kg",
                                  is_food=False, low_at=0, now=clock.now())  # fmt: skip
    assert home.community_id == C


async def test_a_pledge_s_days_reminder_once_and_expected_against_received(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(NOW)
    lin, rice, home = await _keeper_item_home(session, clock)
    monthly = await store_pledges.add_pledge(
        session, lin, item_id=rice.id, household_id=home.id, shop_name=None, quantity_pledged=5,
        cadence=PledgeCadence.MONTHLY, every_days=0, starts_on=date(2026, 1, 31), now=NOW,
    )  # fmt: skip
    assert store_pledges.due_dates(monthly, date(2026, 2, 1), date(2026, 5, 1)) == [
        date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
    ]  # fmt: skip
    assert store_pledges.next_due_after(monthly, date(2026, 3, 31)) == date(2026, 4, 30)
    weekly = await store_pledges.add_pledge(
        session, lin, item_id=rice.id, household_id=None, shop_name="好邻居超市",
        quantity_pledged=2, cadence=PledgeCadence.DAYS, every_days=7,
        starts_on=date(2026, 3, 2), now=NOW,
    )  # fmt: skip
    assert store_pledges.next_due_after(weekly, date(2026, 3, 2)) == date(2026, 3, 9)
    with pytest.raises(store_pledges.CadenceInvalid):
        await store_pledges.add_pledge(
            session, lin, item_id=rice.id, household_id=home.id, shop_name=None,
            quantity_pledged=1, cadence=PledgeCadence.DAYS, every_days=0,
            starts_on=date(2026, 3, 2), now=NOW,
        )  # fmt: skip
    await storehouse.record_received(
        session, lin, item_id=rice.id, quantity_received=2, expires_on=None, donor="好邻居超市",
        pledge_id=weekly.id, now=NOW,
    )  # fmt: skip
    lines = {
        line.pledge.id: line
        for line in await store_pledges.pledges_of(session, lin, C, now=NOW, settings=_settings())
    }
    assert (lines[weekly.id].expected, lines[weekly.id].received) == (10, 2)  # 2, 9 … 30 March
    assert (lines[monthly.id].expected, lines[monthly.id].received) == (5, 0)

    # a pledge is taken on its day, once (31 January has passed: once, then moved past
    # today); a shop's is moved on with nobody to message
    household, shop = await store_pledges.take_due_reminders(session, _settings(), NOW)
    assert (shop.pledge.id, shop.pledge.next_due_on, shop.members) == (
        weekly.id, date(2026, 3, 9), []
    )  # fmt: skip
    assert household.pledge.id == monthly.id and household.pledge.next_due_on == date(2026, 3, 31)
    assert household.members == []  # nobody of the household uses the bot
    assert await store_pledges.take_due_reminders(session, _settings(), NOW) == []
    due_day = datetime(2026, 3, 31, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    early = due_day - timedelta(hours=2)
    taken = await store_pledges.take_due_reminders(session, _settings(), early)
    assert [r.pledge.id for r in taken] == [weekly.id]  # its week, past; not the 31st before 9:00
    (reminder,) = await store_pledges.take_due_reminders(session, _settings(), due_day)
    assert reminder.pledge.next_due_on == date(2026, 4, 30)


async def test_a_wish_lit_from_the_storehouse_is_lit_brought_and_takes_the_stock(
    session: AsyncSession, clock: ManualClock
) -> None:
    clock.set(NOW)
    lin, rice, home = await _keeper_item_home(session, clock)
    draft = WishDraft(kind=WishKind.ITEM, description="一袋米", address_as="周伯伯", age_band="80s")
    wish, _ = await wishes.post_wish(session, lin, draft, clock=clock, household_id=home.id)
    with pytest.raises(storehouse.WishNotLightable):  # not verified yet
        await store_wishes.light_wish_from_storehouse(
            session, lin, wish_id=wish.id, item_id=rice.id, quantity_given=1,
            delivery=WishDelivery.PICKUP, clock=clock, settings=_settings(),
        )  # fmt: skip
    await wishes.approve(session, lin, wish, wish.version, clock=clock)
    with pytest.raises(NotEnoughStock):  # nothing in stock: the wish stays open
        await store_wishes.light_wish_from_storehouse(
            session, lin, wish_id=wish.id, item_id=rice.id, quantity_given=5,
            delivery=WishDelivery.PICKUP, clock=clock, settings=_settings(),
        )  # fmt: skip
    await session.refresh(wish)
    assert wish.status is WishStatus.OPEN
    await storehouse.record_received(
        session, lin, item_id=rice.id, quantity_received=10, expires_on=None, donor=None, now=NOW
    )
    lit, movement = await store_wishes.light_wish_from_storehouse(
        session, lin, wish_id=wish.id, item_id=rice.id, quantity_given=5,
        delivery=WishDelivery.PICKUP, clock=clock, settings=_settings(),
    )  # fmt: skip
    assert (lit.status, lit.donor_id, lit.delivery) == (
        WishStatus.DELIVERED,
        lin.id,
        WishDelivery.PICKUP,
    )
    assert (movement.household_id, movement.wish_id, rice.stock) == (home.id, wish.id, 5)
    with pytest.raises(storehouse.WishNotLightable):  # a double tap
        await store_wishes.light_wish_from_storehouse(
            session, lin, wish_id=wish.id, item_id=rice.id, quantity_given=5,
            delivery=WishDelivery.PICKUP, clock=clock, settings=_settings(),
        )  # fmt: skip
    assert await queries.log_sum(session, rice.id) == 5
