"""Conversations of time as a gift: Mei, whose household was helped, offers "半小时 陪老人聊天"
at weekends in Chinese; Lin, a coordinator, finds it in /offers, matches it to a neighbour's
request and confirms it was given; Mei is told each time in her language and reads 30 minutes
in /hours, once however often Done is pressed. A volunteer's offer makes the request hers, and
her own ✅ Done on the task never counts the time twice. Bad input and forged buttons change
nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.callbacks import OfferAction
from bot.emulator.server import FakeBotAPI
from bot.services import households, wishes
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.models import (
    LedgerTransfer,
    OfferStatus,
    TimeOffer,
    User,
    UserRole,
    Wish,
    WishKind,
    WishStatus,
)
from tests.e2e.community import (
    COORDINATORS_CHAT,
    open_request,
    person,
)
from tests.e2e.harness import RunningBot
from tests.e2e.steps import has

pytestmark = pytest.mark.postgresql


async def _people(linli: RunningBot, telegram: FakeBotAPI, mei_locale: str | None = None):
    """Mei (a resident with a household), Lin (a coordinator), and Ann's open request."""
    mei = await person(
        linli, telegram, 501, UserRole.RESIDENT, name="Mei Chen", phone="13800138000",
        address="Flat 3B, Lane 12", locale=mei_locale,
    )  # fmt: skip
    lin = await person(linli, telegram, 502, UserRole.COORDINATOR, name="Lin")
    ann = await person(
        linli, telegram, 503, UserRole.RESIDENT, name="Ann Wu", phone="13900139000",
        address="Flat 9, Lane 4",
    )  # fmt: skip
    async with linli.app.session_factory() as session:
        home = await households.open_household(
            session, community_id=FIRST_COMMUNITY_ID, label="陈家", now=linli.clock.now(),
            by=await session.get(User, lin.id),
        )  # fmt: skip
        row = await session.get(User, mei.id)
        assert row is not None
        row.household_id = home.id
        await session.commit()
    request = await open_request(linli, ann, lin, "Someone to chat with, please")
    telegram.group(COORDINATORS_CHAT, "Coordinators", members=[502])
    return mei, lin, request


async def _credits(linli: RunningBot, source: str) -> int:
    async with linli.app.session_factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(LedgerTransfer).where(LedgerTransfer.source == source)
        )
        return int(count or 0)


async def test_a_helped_resident_offers_half_an_hour_in_chinese_and_it_is_credited_once(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    mei_row, _lin_row, request = await _people(community, telegram, mei_locale="zh_Hans")
    mei, lin = telegram.users[501], telegram.users[502]

    await mei.send_command("/offer")
    assert "谢谢您愿意捐出时间" in mei.last.text
    assert "☕ 陪老人聊天" in mei.last.labels and "📱 教用手机" in mei.last.labels
    await mei.send_text("半小时 陪老人聊天")  # how long is said too: straight to "when"
    assert "您一般什么时候有空" in mei.last.text
    await mei.tap("🗓 周末")
    saved = mei.last.text
    assert "谢谢您！您的时间捐赠已交给社区工作人员" in saved
    assert "半小时 陪老人聊天 · 30 分钟 · 🗓 周末" in saved
    notice = await lin.in_group(COORDINATORS_CHAT).wait_for_message(has("offers time"))
    assert "Mei" in notice.text and "陪老人聊天" not in notice.text  # her words: in /offers only

    await lin.send_command("/offers")
    card = await lin.wait_for_message(has("How long: 30 min"))
    assert "Mei offers: 半小时 陪老人聊天" in card.text and "Free: 🗓 Weekends" in card.text
    assert card.labels == ["🔗 Match to a request", "✅ Done: credit time"]  # no service wish
    await lin.tap("🔗 Match to a request", message_id=card.message_id)
    assert "Which request" in lin.last.text
    await lin.tap(f"No. {request.id}")
    matched = await mei.wait_for_message(has("已对接一位邻居的求助"))
    assert "社区工作人员会给您打电话安排" in matched.text
    assert "Lane 4" not in matched.text and "139" not in matched.text  # never Ann's details
    fresh = await lin.wait_for_message(has("Status: matched"))
    assert f"Matched to request no. {request.id}" in fresh.text

    await lin.tap("✅ Done: credit time", message_id=card.message_id)  # the card of before
    assert "changed meanwhile" in lin.callback_answers[-1].text
    done = lin.last.button("✅ Done: credit time")["callback_data"]
    await lin.tap("✅ Done: credit time", message_id=fresh.message_id)
    assert "30 min credited by Lin" in lin.last.text and not lin.last.buttons
    await mei.wait_for_message(has("已为您记入爱心时间 30 分钟（"))
    await lin.press_data(done, fresh.message_id)  # a double tap
    assert "already credited" in lin.callback_answers[-1].text
    async with community.app.session_factory() as session:
        offer = (await session.scalars(select(TimeOffer))).one()
        assert offer.status is OfferStatus.DONE and offer.request_id == request.id
    assert await _credits(community, f"offer:{offer.id}") == 1

    await mei.send_command("/hours")
    assert "累计：30 分钟" in mei.last.text and "+30 分钟 · 付出的时间" in mei.last.text
    assert mei_row.id == offer.offered_by_id


async def test_a_volunteers_offer_becomes_her_task_and_counts_once_in_english(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    _mei, _lin, request = await _people(community, telegram)
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao")
    tao, lin = telegram.users[601], telegram.users[502]

    await tao.send_text("/offer")
    await tao.tap("📱 Teaching how to use a phone")
    assert "How long could you give?" in tao.last.text
    await tao.send_text("whenever suits")  # words where a length is asked
    assert "did not understand how long" in tao.last.text and "1 h" in tao.last.labels
    await tao.tap("1 h")
    await tao.send_sticker()  # a sticker where a tap (or words) is awaited
    assert "When are you usually free?" in tao.last.text and tao.last.buttons
    await tao.send_text("Tuesday after 6pm")
    assert "📱 Teaching how to use a phone · 1 h · Tuesday after 6pm" in tao.last.text

    await lin.send_command("/offers")
    card = await lin.wait_for_message(has("Tao offers"))
    assert "🌟 Match to a wish" in card.labels  # an approved volunteer may take one on
    await lin.tap("🔗 Match to a request", message_id=card.message_id)
    await lin.tap(f"No. {request.id}")
    await tao.wait_for_message(has("Flat 9, Lane 4"))  # the task is hers: its details too
    await tao.wait_for_message(has(f"matched to request no. {request.id}"))
    fresh = await lin.wait_for_message(has("Status: matched"))
    await lin.tap("✅ Done: credit time", message_id=fresh.message_id)
    await tao.wait_for_message(has("1 h were credited"))

    await tao.send_command("/mytasks")  # she also says it is done, on the task itself
    await tao.tap("✅ Done")
    await tao.tap("1 h")
    await tao.send_command("/hours")
    assert "In total: 1 h" in tao.last.text  # counted once: the task's own credit
    assert await _credits(community, f"request:{request.id}") == 1


async def test_a_volunteers_offer_lights_a_service_wish_once(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    _mei, lin_row, _request = await _people(community, telegram)
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao")
    async with community.app.session_factory() as session:
        ann = await session.scalar(select(User).where(User.telegram_id == 503))
        lin_user = await session.get(User, lin_row.id)
        assert ann is not None and lin_user is not None
        draft = wishes.WishDraft(
            kind=WishKind.SERVICE, description="Learn video calls with my grandson",
            address_as="Grandma Wu", age_band="70s",
        )  # fmt: skip
        wish, _home = await wishes.post_wish(session, ann, draft, clock=community.clock)
        await wishes.approve(session, lin_user, wish, wish.version, clock=community.clock)
        await session.commit()
    tao, lin = telegram.users[601], telegram.users[502]
    await tao.send_command("/offer")
    await tao.tap("📱 Teaching how to use a phone")
    await tao.tap("2 h")
    await tao.tap("🗓 Weekends")

    await lin.send_command("/offers")
    card = await lin.wait_for_message(has("Tao offers"))
    await lin.tap("🌟 Match to a wish", message_id=card.message_id)
    picker = lin.last
    assert "Which wish" in picker.text and "Grandma Wu" in picker.labels[0]
    pick = picker.button(picker.labels[0])["callback_data"]
    await lin.tap(picker.labels[0])
    lit = await tao.wait_for_message(has("matched to a small wish of Grandma Wu"))
    assert lit.buttons  # the lit wish's own buttons: given, left at the pick-up point...
    await lin.press_data(pick, picker.message_id)  # a double tap on the picker
    await lin.wait_for_message(has("changed meanwhile"))
    async with community.app.session_factory() as session:
        found = (await session.scalars(select(Wish))).one()
        tao_row = await session.scalar(select(User).where(User.telegram_id == 601))
        assert found.status is WishStatus.LIT and tao_row is not None
        assert found.donor_id == tao_row.id
        offer = (await session.scalars(select(TimeOffer))).one()
        assert offer.wish_id == found.id and offer.status is OfferStatus.MATCHED


async def test_offers_refuse_bad_input_forged_buttons_and_others_presses(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await _people(community, telegram)
    mei, lin = telegram.users[501], telegram.users[502]
    await mei.send_command("/offer")
    await mei.send_text("x" * 4000)
    assert "at most 200 characters" in mei.last.text
    await mei.tap("☕ Keeping an elder company")
    await mei.tap("30 min")
    await mei.tap("🌅 Weekday mornings")
    assert "Your offer is with the coordinators" in mei.last.text
    async with community.app.session_factory() as session:
        offer = (await session.scalars(select(TimeOffer))).one()
    done = OfferAction(action="done", offer_id=offer.id, version=offer.version).pack()

    await mei.press_data(done, mei.last.message_id)  # a coordinator's button, by the resident
    assert "Only coordinators match offers of time" in mei.callback_answers[-1].text
    await lin.send_command("/help")
    resident_wish = OfferAction(action="wish", offer_id=offer.id, version=offer.version).pack()
    await lin.press_data(resident_wish, lin.last.message_id)  # she may not take a service wish
    assert "Only an approved volunteer" in lin.callback_answers[-1].text
    forged = OfferAction(action="done", offer_id=offer.id + 99, version=1).pack()
    await lin.press_data(forged, lin.last.message_id)
    assert "no longer active" in lin.callback_answers[-1].text
    stale = OfferAction(action="done", offer_id=offer.id, version=offer.version + 5).pack()
    await lin.press_data(stale, lin.last.message_id)
    assert "changed meanwhile" in lin.callback_answers[-1].text
    lin_withdraws = OfferAction(action="withdraw", offer_id=offer.id, version=1).pack()
    await lin.press_data(lin_withdraws, lin.last.message_id)  # not his to withdraw
    assert "no longer active" in lin.callback_answers[-1].text

    await mei.send_command("/offer")  # her open offer, with ↩️ Withdraw
    listed = await mei.wait_for_message(has("still open"))
    await mei.tap("↩️ Withdraw", message_id=listed.message_id)
    assert "withdrawn" in mei.callback_answers[-1].text
    await lin.in_group(COORDINATORS_CHAT).wait_for_message(has("Mei withdrew"))
    await lin.send_command("/offers")
    assert "No offers of time are open" in lin.last.text
    assert await _credits(community, f"offer:{offer.id}") == 0
