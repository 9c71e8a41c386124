"""A campaign day (点亮心愿日), as in Yueqing on 20 May: the coordinator gathers the verified
wishes of the community under one day; each group gets a live counter; thirty donors press
"我来点亮" at the same moment (one wins each wish, the others are told kindly); the scheduler
keeps the counters true, one edit a tick at most, never an edit that changes nothing; when
the day is over the coordinators get the community's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.scheduling.scheduler import Scheduler
from bot.services import wishes
from bot.services.wishes import WishDraft
from storage.models import User, UserRole, Wish, WishCampaign, WishKind, WishStatus
from tests.e2e.community import (
    COORDINATORS_CHAT,
    VOLUNTEERS_CHAT,
    person,
    running_community,
)

pytestmark = pytest.mark.postgresql

MAY_20 = datetime(2026, 5, 20, 1, tzinfo=UTC)  # 09:00 in Shanghai
DONORS = range(7201, 7231)
WORDS = ("一件冬衣", "一个书包", "一个月的家教辅导")


async def test_a_campaign_day_with_a_live_counter_thirty_donors_and_a_closing_report(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    clock.set(MAY_20)
    async with running_community(
        telegram, database_url, clock, handle_as_tasks=True, default_locale="zh_Hans"
    ) as linli:
        resident = await person(linli, telegram, 501, UserRole.RESIDENT, name="王秀英",
                                locale="zh_Hans")  # fmt: skip
        coordinator = await person(linli, telegram, 502, UserRole.COORDINATOR, name="林主任",
                                   locale="zh_Hans")  # fmt: skip
        for telegram_id in DONORS:
            await person(linli, telegram, telegram_id, UserRole.VOLUNTEER, name=f"D{telegram_id}",
                         locale="zh_Hans")  # fmt: skip
        coordinators = telegram.group(COORDINATORS_CHAT, "协调员", members=[502])
        volunteers = telegram.group(VOLUNTEERS_CHAT, "志愿者", members=list(DONORS))
        async with linli.app.session_factory() as session:
            mei, lin = await session.get(User, resident.id), await session.get(User, coordinator.id)
            assert mei is not None and lin is not None
            for words in WORDS:
                kind = WishKind.SERVICE if "家教" in words else WishKind.ITEM
                draft = WishDraft(kind=kind, description=words, address_as="王奶奶",
                                  age_band="70s")  # fmt: skip
                wish, _ = await wishes.post_wish(session, mei, draft, clock=clock)
                await wishes.approve(session, lin, wish, wish.version, clock=clock)
            await session.commit()

        lin_chat = telegram.users[502]
        await lin_chat.send_command("/campaign")
        await lin_chat.wait_for_message(lambda m: "活动叫什么名字" in m.text)
        await lin_chat.send_text("点亮心愿日")
        await lin_chat.wait_for_message(lambda m: "哪一天" in m.text)
        await lin_chat.tap("5月20日")
        await lin_chat.wait_for_message(lambda m: "3个" in m.text)
        await lin_chat.tap("✅ 开启活动")
        await lin_chat.wait_for_message(lambda m: "活动已开启" in m.text)
        counters = []
        for group in (coordinators, volunteers):
            counters.append(await group.wait_for_message(lambda m: "已点亮：0 / 3" in m.text))

        donors = [telegram.users[telegram_id] for telegram_id in DONORS]
        for donor in donors:
            await donor.send_text("🕯 点亮心愿")
            await donor.wait_for_message(lambda m: "我来点亮" in str(m.buttons))
        for donor in donors:  # all thirty presses are queued before the bot polls again
            await donor.tap("🕯 我来点亮", wait=False)

        def heard(donor: ChatUser, words: str) -> bool:
            return any(words in m.text for m in donor.messages)

        await telegram.state.feed.wait_for(
            lambda: (
                all(heard(d, "您点亮了这个心愿") or heard(d, "就在您之前") for d in donors) or None
            ),
            90,
        )
        assert sum(heard(d, "您点亮了这个心愿") for d in donors) == 3
        async with linli.app.session_factory() as session:
            lit = await session.scalar(
                select(func.count()).select_from(Wish).where(Wish.status == WishStatus.LIT)
            )
            assert lit == 3  # one winner per wish

        scheduler: Scheduler = linli.app.dispatcher["scheduler"]
        clock.set(MAY_20 + timedelta(minutes=1))
        await scheduler.tick()
        await linli.outbox_drained()
        for group, posted in zip((coordinators, volunteers), counters, strict=True):
            shown = group.message(posted.message_id).text
            assert "已点亮：3 / 3" in shown and "每个心愿都点亮了" in shown
        edits = sum(call.method == "editMessageText" for call in telegram.calls)
        clock.set(MAY_20 + timedelta(minutes=2))
        await scheduler.tick()
        await linli.outbox_drained()
        assert sum(call.method == "editMessageText" for call in telegram.calls) == edits

        # /campaign again: the day under way first, each wish with its household's code
        await lin_chat.send_command("/campaign")
        listed = await lin_chat.wait_for_message(lambda m: "3 个心愿中已点亮 3 个" in m.text)
        assert listed.text.count("✅ A1 · 王奶奶 · ") == 3
        await lin_chat.wait_for_message(lambda m: "活动叫什么名字" in m.text)
        await lin_chat.send_command("/cancel")

        # the day is over: closed once, the figures to the coordinators
        clock.set(MAY_20 + timedelta(days=1))
        await scheduler.tick()
        await scheduler.tick()
        report = await coordinators.wait_for_message(lambda m: "已结束" in m.text)
        assert "3个心愿中有3个" in report.text
        await linli.outbox_drained()
        assert sum("已结束" in m.text for m in coordinators.messages) == 1
        async with linli.app.session_factory() as session:
            (campaign,) = await session.scalars(select(WishCampaign))
            assert campaign.closed_at is not None
