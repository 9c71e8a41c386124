"""Conversations of the storehouse (义仓): coordinator Lin records 10 kg of rice, gives 3 to
household A1 and sees 7 left; rice at its threshold is flagged low, oil expiring this week is
flagged too; a household's monthly pledge is recorded, its member Mei (in Chinese) is reminded
on the day, once, and the rice she brings is matched to it; a wish is lit from the storehouse
and reaches Mei's chat with its one-tap confirmation. A volunteer is refused kindly; bad input
and forged buttons change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.callbacks import StoreStep
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.scheduling.scheduler import Scheduler
from bot.services import households, wishes
from bot.services.communities import FIRST_COMMUNITY_ID
from bot.services.wishes import WishDraft
from storage.models import StoreItem, User, UserRole, Wish, WishKind, WishStatus
from storage.repositories import storehouse as queries
from tests.e2e.community import COORDINATORS_CHAT, person, running_community
from tests.e2e.harness import RunningBot

pytestmark = pytest.mark.postgresql
MEI, LIN, TAO = 501, 502, 503
START = datetime(2026, 3, 2, 2, tzinfo=UTC)  # Monday 10:00 in Shanghai
HOME = "周伯伯家"
STALE = "This button is no longer active"


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(START)
    async with running_community(
        telegram, database_url, clock, wish_pickup_point="Community centre"
    ) as running:
        yield running


def has(text: str):  # type: ignore[no-untyped-def]
    return lambda message: text in message.text


async def cast(linli: RunningBot, telegram: FakeBotAPI, mei_locale: str = "en") -> int:
    """Lin (coordinator), Tao (volunteer), and Mei living in household A1; its id."""
    lin = await person(linli, telegram, LIN, UserRole.COORDINATOR, name="Lin")
    await person(linli, telegram, TAO, UserRole.VOLUNTEER, name="Tao")
    mei = await person(linli, telegram, MEI, UserRole.RESIDENT, name="Mei", locale=mei_locale)
    async with linli.app.session_factory() as session:
        lin_row, mei_row = await session.get(User, lin.id), await session.get(User, mei.id)
        assert lin_row is not None and mei_row is not None
        home = await households.open_household(
            session, community_id=FIRST_COMMUNITY_ID, label=HOME, now=linli.clock.now(), by=lin_row
        )
        await households.join(session, home, mei_row, by=lin_row)
        await session.commit()
        return home.id


async def receive_new(
    telegram: FakeBotAPI, name: str, unit: str, *, food: bool, low: str, quantity: str
) -> None:
    lin = telegram.users[LIN]
    await lin.send_command("/store")
    await lin.tap("➕ Goods received")
    await lin.tap("🆕 A new kind of goods")
    await lin.send_text(name)
    await lin.send_text(unit)
    await lin.tap("🍚 Yes, food" if food else "📦 No")
    await lin.send_text(low)
    await lin.send_text(quantity)


async def stock_and_log(linli: RunningBot, name: str) -> tuple[int, int]:
    async with linli.app.session_factory() as session:
        item = await session.scalar(select(StoreItem).where(StoreItem.name == name))
        assert item is not None
        return item.stock, await queries.log_sum(session, item.id)


async def test_rice_received_given_and_flagged_low_oil_flagged_expiring(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await cast(community, telegram)
    lin, tao = telegram.users[LIN], telegram.users[TAO]

    await tao.send_command("/store")
    assert "Only the community's coordinators keep the storehouse" in tao.last.text

    await lin.send_command("/store")
    assert "Nothing is recorded yet" in lin.last.text
    await lin.tap("➕ Goods received")
    await lin.send_text("rice")  # typed where a button is awaited: the question again
    assert "Which goods?" in lin.last.text and lin.last.buttons
    await lin.tap("🆕 A new kind of goods")
    await lin.send_text("x" * 4000)
    assert "keep it to 32 characters" in lin.last.text
    await lin.send_text("Rice")
    await lin.send_sticker()
    assert "Please type your answer" in lin.last.text
    await lin.send_text("kg")
    await lin.send_text("no")  # words where the food question's buttons are awaited
    assert "Is it food" in lin.last.text and lin.last.buttons
    await lin.tap("📦 No")
    await lin.send_text("3")
    await lin.send_text("lots")
    assert "Please write a whole number" in lin.last.text
    await lin.send_text("10")
    assert "Who gave it?" in lin.last.text
    await lin.send_text("陈大明")
    assert "Recorded: 10 kg of Rice received (陈大明). In stock now: 10 kg." in lin.last.text

    await lin.send_command("/store")
    await lin.tap("➖ Given to a household")
    await lin.tap("Rice · 10 kg")
    await lin.tap(f"🏠 A1 · {HOME}")
    await lin.send_text("3")
    assert f"3 kg of Rice given to A1 · {HOME}. Left: 7 kg." in lin.last.text
    await lin.send_command("/store")
    assert "Rice: 7 kg" in lin.last.text and "⚠️" not in lin.last.text

    await lin.tap("➖ Given to a household")
    await lin.tap("Rice · 7 kg")
    await lin.tap(f"🏠 A1 · {HOME}")
    await lin.send_text("9")  # more than there is: refused, the step stays
    assert "only 7 kg left. Nothing was recorded." in lin.last.text
    await lin.send_text("4")
    assert "Left: 3 kg." in lin.last.text
    await lin.send_command("/store")
    menu = lin.last
    assert "⚠️ Low stock: 1" in menu.text and "⚠️ Rice: 3 kg (low: at or below 3 kg)" in menu.text
    # a button of a step that is over, and a forged household, change nothing
    await lin.press_data(StoreStep(action="hh", value=1).pack(), message_id=menu.message_id)
    assert STALE in lin.callback_answers[-1].text
    await lin.tap("➖ Given to a household")
    await lin.tap("Rice · 3 kg")
    await lin.press_data(StoreStep(action="hh", value=999).pack(), message_id=lin.last.message_id)
    assert STALE in lin.callback_answers[-1].text
    assert await stock_and_log(community, "Rice") == (3, 3)

    await receive_new(telegram, "Cooking oil", "bottle", food=True, low="0", quantity="6")
    assert "When does it expire?" in lin.last.text
    await lin.send_text("soon")
    assert "Please write a date" in lin.last.text
    await lin.send_text("3-5")
    await lin.tap("🙈 Anonymous")
    assert "6 bottle of Cooking oil received (anonymous)" in lin.last.text
    await lin.send_command("/store")
    assert "⏳ Food expiring within a week: 1" in lin.last.text
    assert "⏳ Cooking oil: 6 bottle (6 bottle expire by 2026-03-05)" in lin.last.text


async def tick_at(linli: RunningBot, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    await scheduler.tick()
    await linli.outbox_drained()


async def test_a_monthly_pledge_is_reminded_on_its_day_once_and_matched(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    await cast(community, telegram, mei_locale="zh_Hans")
    lin, mei = telegram.users[LIN], telegram.users[MEI]
    await receive_new(telegram, "大米", "袋", food=False, low="1", quantity="4")
    await lin.tap("🙈 Anonymous")

    await lin.send_command("/store")
    await lin.tap("🤝 Pledges")
    assert "No pledges yet" in lin.last.text
    await lin.tap("➕ A new pledge")
    await lin.tap(f"🏠 A1 · {HOME}")
    await lin.tap("大米 · 4 袋")
    await lin.send_text("1")
    await lin.tap("every month")
    await lin.send_text("3-10")
    assert f"Pledge recorded: A1 · {HOME}, 1 袋 of 大米 every month, first due 2026-03-10" in (
        lin.last.text
    )

    reminder = "您每月的 1 袋大米该送来啦"
    await tick_at(community, clock, START + timedelta(days=7, hours=-3))  # 9 March
    await tick_at(community, clock, START + timedelta(days=8))  # 10 March, 10:00
    await mei.wait_for_message(has(reminder))
    await tick_at(community, clock, START + timedelta(days=8, hours=2))
    assert [m.text for m in mei.messages if reminder in m.text] == [mei.last.text]

    await lin.send_command("/store")
    await lin.tap("➕ Goods received")
    await lin.tap("大米 · 4 袋")
    await lin.send_text("1")
    await lin.tap(f"🤝 Pledged by A1 · {HOME}")
    assert f"1 袋 of 大米 received (A1 · {HOME})" in lin.last.text
    await lin.send_command("/store")
    await lin.tap("🤝 Pledges")
    assert "every month; next due 2026-04-10; 1 / 1" in lin.last.text


async def test_a_wish_lit_from_the_storehouse_reaches_the_household(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    home_id = await cast(community, telegram)
    lin, mei = telegram.users[LIN], telegram.users[MEI]
    await person(community, telegram, 504, UserRole.COORDINATOR, name="Wu")
    group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN, 504])
    async with community.app.session_factory() as session:
        lin_row = await session.scalar(select(User).where(User.telegram_id == LIN))
        draft = WishDraft(kind=WishKind.ITEM, description="A bag of rice", address_as="Grandma",
                          age_band="80s")  # fmt: skip
        wish, _ = await wishes.post_wish(
            session, lin_row, draft, clock=community.clock, household_id=home_id
        )
        await wishes.approve(session, lin_row, wish, wish.version, clock=community.clock)
        await session.commit()
    await receive_new(telegram, "Rice", "bag", food=False, low="0", quantity="5")
    await lin.tap("🙈 Anonymous")

    await lin.send_command("/store")
    await lin.tap("🌟 Light a wish from the storehouse")
    await lin.tap("A1 · A bag of rice")
    await lin.tap("Rice · 5 bag")
    await lin.send_text("1")
    await lin.tap("🏪 Waiting at the pick-up point")
    assert "The wish is lit from the storehouse: 1 bag of Rice given" in lin.last.text
    arrived = await mei.wait_for_message(has("is waiting for you at the pick-up point"))
    assert "Community centre" in arrived.text and ["✅ I received it"] in arrived.buttons
    await group.wait_for_message(has("was lit by Lin"))  # the group hears it as from any donor
    await mei.tap("✅ I received it")
    assert await stock_and_log(community, "Rice") == (4, 4)
    async with community.app.session_factory() as session:
        found = await session.get(Wish, wish.id)
        assert found is not None and found.status is WishStatus.RECEIVED
