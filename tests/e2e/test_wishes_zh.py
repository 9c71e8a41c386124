"""Conversations of small wishes in Chinese: 周阿姨 asks for a neighbour's time (a service wish:
only approved volunteers see it); the coordinators ask her a question, change its words and
approve it; a volunteer lights it, forgets it, it goes back by itself and is lit again, left
at the pick-up point, received and thanked. And a coordinator writes a wish for 周伯伯, who
has no phone, in a household she opens, and confirms receipt for him."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.scheduling.scheduler import Scheduler
from storage.models import Household, UserRole, Wish, WishDelivery, WishKind, WishStatus
from tests.e2e.community import COORDINATORS_CHAT, person, running_community
from tests.e2e.harness import RunningBot

ZHOU, LIN, TAO, KAI, SAM = 601, 602, 603, 604, 605
ZHOU_ADDRESS = "幸福里5号楼302室"
START = datetime(2026, 3, 2, 2, tzinfo=UTC)
PICKUP = "社区服务中心一楼"


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(START)
    async with running_community(
        telegram, database_url, clock, default_locale="zh_Hans", wish_pickup_point=PICKUP
    ) as running:
        yield running


def has(text: str):  # type: ignore[no-untyped-def]
    return lambda message: text in message.text


async def tick_at(linli: RunningBot, clock: ManualClock, moment: datetime) -> None:
    clock.set(moment)
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    await scheduler.tick()


async def wishes_in_db(linli: RunningBot) -> list[Wish]:
    async with linli.app.session_factory() as session:
        return list(await session.scalars(select(Wish).order_by(Wish.id)))


async def cast(linli: RunningBot, telegram: FakeBotAPI):  # type: ignore[no-untyped-def]
    zh = {"locale": "zh_Hans"}
    await person(linli, telegram, ZHOU, UserRole.RESIDENT, name="周秀兰", address=ZHOU_ADDRESS,
                 phone="13912345678", **zh)  # fmt: skip
    await person(linli, telegram, LIN, UserRole.COORDINATOR, name="林主任", **zh)
    await person(linli, telegram, TAO, UserRole.VOLUNTEER, name="陶志愿", **zh)
    await person(linli, telegram, KAI, UserRole.VOLUNTEER, name="凯志愿", **zh)
    await person(linli, telegram, SAM, UserRole.RESIDENT, name="孙邻居", area="2号楼", **zh)
    return telegram.group(COORDINATORS_CHAT, "协调员", members=[LIN])


@pytest.mark.postgresql
async def test_a_service_wish_asked_about_edited_lit_lapsed_lit_again_and_thanked(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    group = await cast(community, telegram)
    zhou, tao, kai, sam = (telegram.users[i] for i in (ZHOU, TAO, KAI, SAM))

    await zhou.send_command("/wish")
    assert "是哪一种心愿" in zhou.last.text
    await zhou.tap("🤝 需要有人花点时间")
    await zhou.send_text("想学用手机视频通话")
    await zhou.tap("🤷 不清楚")
    await zhou.send_text("周阿姨")
    await zhou.tap("60多岁")
    assert "想学用手机视频通话" in zhou.last.text and "周阿姨 · 60多岁" in zhou.last.text
    await zhou.tap("✅ 发送")
    assert "已发给协调员" in zhou.last.text

    card = await group.wait_for_message(has("想学用手机视频通话"))
    assert "🤝 需要有人花点时间" in card.text
    lin = group.as_user(LIN)
    await lin.tap("❓ 问问这一户", message_id=card.message_id)
    await lin.answer_prompt("您用的是什么手机？")
    await group.wait_for_message(has("已发给这一户"))
    asked = await zhou.wait_for_message(has("您用的是什么手机？"))
    await zhou.tap("✍️ 回答", message_id=asked.message_id)
    await zhou.send_text("华为的")
    assert "已发给协调员" in zhou.last.text
    await group.wait_for_message(has("华为的"))

    await lin.tap("✏️ 修改内容", message_id=card.message_id)
    await lin.answer_prompt("教周阿姨用华为手机视频通话，一小时")
    await group.wait_for_message(has("内容已修改"))
    assert "林主任修改了内容" in group.message(card.message_id).text
    await lin.tap("✅ 通过", message_id=card.message_id)
    await zhou.wait_for_message(has("邻居们现在可以点亮它了"))

    # a resident donor does not see a wish for a volunteer's time
    await sam.send_text("🕯 点亮心愿")
    assert "现在没有等待点亮的心愿" in sam.last.text
    await tao.send_text("🕯 点亮心愿")
    shown = tao.last
    assert "周阿姨，60多岁" in shown.text and "教周阿姨用华为手机视频通话" in shown.text
    assert ZHOU_ADDRESS not in shown.text and "周秀兰" not in shown.text
    await tao.tap("🕯 我来点亮")
    assert "您点亮了这个心愿" in tao.message(shown.message_id).text
    await group.wait_for_message(has("已被陶志愿点亮"))

    await tick_at(community, clock, START + timedelta(days=5, hours=1))
    await tao.wait_for_message(has("提醒一下"))
    await tick_at(community, clock, START + timedelta(days=7, hours=1))
    await tao.wait_for_message(has("回到了心愿墙"))
    await group.wait_for_message(has("没有按时送到"))

    await kai.send_text("🕯 点亮心愿")
    await kai.tap("🕯 我来点亮")
    await kai.tap("🏪 已放到领取点")
    waiting = await zhou.wait_for_message(has(PICKUP))
    await zhou.tap("✅ 我收到了", message_id=waiting.message_id)
    await kai.wait_for_message(has("周阿姨收到了您的心意"))
    await zhou.send_text("谢谢你，小凯！")
    thanks = await kai.wait_for_message(has("周阿姨的感谢"))
    assert "谢谢你，小凯！" in thanks.text
    (wish,) = await wishes_in_db(community)
    assert (wish.kind, wish.status, wish.delivery, wish.times_lapsed) == (
        WishKind.SERVICE,
        WishStatus.RECEIVED,
        WishDelivery.PICKUP,
        1,
    )
    for donor in (tao, kai, sam):
        assert all(
            ZHOU_ADDRESS not in m.text and "13912345678" not in m.text for m in donor.messages
        )


async def test_a_coordinator_writes_a_wish_for_a_household_without_a_phone(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    group = await cast(community, telegram)
    lin, sam = telegram.users[LIN], telegram.users[SAM]

    await lin.send_text("🌟 许个心愿")
    assert "替哪一户许心愿" in lin.last.text
    await lin.tap("➕ 新的一户")
    await lin.send_text("周伯伯家，3号楼")
    assert "已建立住户A" in lin.history[-2].text or "已建立住户A" in lin.last.text
    await lin.tap("🎁 想要的东西")
    await lin.send_text("一副老花镜")
    await lin.send_text("约100元")
    await lin.send_text("周伯伯")
    await lin.tap("80多岁")
    await lin.tap("✅ 发送")
    assert "等待协调员核实" in lin.last.text

    # the card reaches the group, where Lin checks it like any other
    card = await group.wait_for_message(has("一副老花镜"))
    assert "周伯伯家，3号楼" in card.text and "由协调员替这一户填写" in card.text
    (wish,) = await wishes_in_db(community)
    assert (wish.for_someone, wish.value_yuan, wish.address_as) == (True, 100, "周伯伯")
    async with community.app.session_factory() as session:
        household = await session.get(Household, wish.household_id)
        assert household is not None and household.label == "周伯伯家，3号楼"
    in_group = group.as_user(LIN)
    await in_group.tap("✅ 通过", message_id=card.message_id)

    await sam.send_text("🕯 点亮心愿")
    shown = sam.last
    assert "周伯伯，80多岁" in shown.text and "周伯伯家" not in shown.text
    await sam.tap("🕯 我来点亮")
    await sam.tap("📦 已送到")
    # nobody of his household uses the bot: the coordinators confirm for him
    brought = await group.wait_for_message(has("已送到家里"))
    await in_group.tap("✅ 标记为已收到", message_id=brought.message_id)
    await sam.wait_for_message(has("周伯伯收到了您的心意"))
    (wish,) = await wishes_in_db(community)
    assert wish.status is WishStatus.RECEIVED

    # a second wish for the same home: its code typed (not every home fits on the buttons)
    await lin.send_command("/wish")
    await lin.send_text("Z99")  # no such household: the question again
    assert "替哪一户许心愿" in lin.last.text and lin.last.buttons
    await lin.send_text(household.code.lower())
    assert "是哪一种心愿" in lin.last.text
    await lin.tap("🎁 想要的东西")
    await lin.send_text("一条厚毛毯")
    await lin.tap("约50元")
    await lin.send_text("周伯伯")
    await lin.tap("80多岁")
    await lin.tap("✅ 发送")
    first, second = await wishes_in_db(community)
    assert second.household_id == first.household_id and second.area == ""
