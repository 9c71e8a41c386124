"""Campaigns of the fund and corrections: a coordinator opens "冬衣" with a goal of ¥5,000 (a
title with an address and a phone is refused); each group gets its progress message, in its
own language; two gifts towards it edit it to the right figures, the second reaches the goal
and closes it with its closing line; two receipts at the same moment leave it exact; a gift
corrected (tapped twice) is undone once, the balance and the progress are back, and the
public ledger shows the undoing by amount only; a payout paid is undone from the
coordinators' group; others' and forged presses change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.callbacks import FundCampaignStep, FundFix
from bot.clock import ManualClock
from bot.delivery.notifier import Notifier
from bot.emulator.actors import ChatActor, ChatView
from bot.emulator.server import FakeBotAPI
from bot.policy.notify import fund as notify_fund
from bot.policy.notify import fund_campaigns as notify_campaigns
from bot.scheduling.scheduler import Scheduler
from bot.services import fund, fund_campaigns, households
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.models import (
    FundCampaign,
    GroupChat,
    LedgerTransfer,
    User,
    UserRole,
)
from tests.e2e.community import (
    COORDINATORS_CHAT,
    RESIDENT_PHONE,
    VOLUNTEERS_CHAT,
    person,
    running_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.steps import has

pytestmark = pytest.mark.postgresql
DONORS = ("陈大明", "王小明")
TITLE_WITH_ADDRESS = f"李奶奶 3栋502 {RESIDENT_PHONE}"
HALF = "▓▓▓▓▓▓░░░░ 64%"


async def shows(telegram: FakeBotAPI, chat: ChatView, message_id: int, text: str) -> str:
    """Wait until the message says `text` (its edits come through the outbox)."""
    await telegram.state.feed.wait_for(lambda: text in chat.message(message_id).text or None, 10)
    return chat.message(message_id).text


async def coordinators_and_groups(
    community: RunningBot, telegram: FakeBotAPI
) -> tuple[list[User], ChatView, ChatView]:
    """Lin, Wu and Zhao (coordinators), Tao (a volunteer); the coordinators' group reads
    English, the volunteers' group Chinese."""
    rows = [
        await person(community, telegram, telegram_id, UserRole.COORDINATOR, name=name)
        for telegram_id, name in ((502, "Lin"), (503, "Wu"), (504, "Zhao"))
    ]
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao")
    async with community.app.session_factory() as session:
        now = community.clock.now()
        session.add(GroupChat(chat_id=VOLUNTEERS_CHAT, locale="zh_Hans", set_at=now))
        await session.commit()
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[502, 503, 504])
    volunteers = telegram.group(VOLUNTEERS_CHAT, "Volunteers", members=[601])
    return rows, coordinators, volunteers


async def open_winter_coats(lin: ChatActor) -> None:
    await lin.send_command("/fund")
    await lin.tap("📣 Campaigns")
    assert "No campaign is open" in lin.last.text
    await lin.tap("➕ Open a campaign")
    assert "no name, address or phone" in lin.last.text
    await lin.send_sticker()
    assert "Please type your answer" in lin.last.text
    await lin.send_text(TITLE_WITH_ADDRESS)
    assert "without digits" in lin.last.text
    await lin.send_text("冬衣")
    assert "What is the goal?" in lin.last.text
    await lin.send_text("lots")
    assert "Please write an amount" in lin.last.text
    await lin.send_text("5,000")
    assert "Until when" in lin.last.text
    await lin.send_text("soon")  # words where a button is awaited: the question again
    assert "Until when" in lin.last.text and "No end date" in lin.last.labels
    await lin.tap("No end date")
    assert "Goal: ¥5,000" in lin.last.text
    confirm = lin.last
    await lin.tap("✅ Open the campaign")
    assert "progress message in 2 groups" in lin.last.text
    await lin.press_data(FundCampaignStep(action="go").pack(), confirm.message_id)  # again
    assert "no longer active" in lin.callback_answers[-1].text


async def give(lin: ChatActor, amount: str, donor: str, *, last_tap: bool = True) -> None:
    """Money received towards 冬衣 (its last step left to the caller without `last_tap`)."""
    await lin.send_command("/fund")
    await lin.wait_for_message(has("In the fund now"))
    await lin.tap("💴 Record money received")
    await lin.wait_for_message(has("How much did you receive?"))
    await lin.send_text(amount)
    await lin.wait_for_message(has("Is it for a campaign?"))
    await lin.tap("📣 冬衣")
    await lin.wait_for_message(has("Who gave it?"))
    await lin.send_text(donor)
    await lin.wait_for_message(has("photo of the receipt"))
    if last_tap:
        await lin.tap("⏭ No receipt photo")


async def test_a_campaign_s_progress_in_the_groups_its_goal_and_a_gift_corrected(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    rows, coordinators, volunteers = await coordinators_and_groups(community, telegram)
    lin, tao = telegram.users[502], telegram.users[601]
    await open_winter_coats(lin)
    english = await coordinators.wait_for_message(has("冬衣"))
    chinese = await volunteers.wait_for_message(has("冬衣"))
    assert "Raised ¥0 / ¥5,000 ░░░░░░░░░░ 0%" in english.text
    assert "已筹 ¥0 / ¥5,000 ░░░░░░░░░░ 0%" in chinese.text

    await give(lin, "3,200", DONORS[0])
    await lin.wait_for_message(has("Towards the campaign “冬衣”"))
    await shows(telegram, coordinators, english.message_id, f"Raised ¥3,200 / ¥5,000 {HALF}")
    await shows(telegram, volunteers, chinese.message_id, f"已筹 ¥3,200 / ¥5,000 {HALF}")

    await give(lin, "1,800", DONORS[1])
    receipt = await lin.wait_for_message(has("Recorded: ¥1,800 received"))
    full = "Raised ¥5,000 / ¥5,000 ▓▓▓▓▓▓▓▓▓▓ 100%"
    assert "The goal is reached" in await shows(telegram, coordinators, english.message_id, full)
    assert "目标达成了" in await shows(telegram, volunteers, chinese.message_id, "100%")
    await lin.send_command("/fund")
    await lin.tap("💴 Record money received")
    await lin.send_text("10")
    assert "Who gave it?" in lin.last.text  # the campaign is closed: not offered any more
    await lin.send_command("/cancel")

    # the second gift was a mistake: ↩️ tapped twice, undone once
    await lin.tap("↩️ Correct this", message_id=receipt.message_id)
    await lin.tap("↩️ Correct this", message_id=receipt.message_id)
    assert "Why?" in lin.last.text
    await lin.send_text("x" * 4000)
    assert "at most 200 characters" in lin.last.text
    await lin.send_text("recorded twice by mistake")
    assert "Corrected: ¥1,800 undone" in lin.last.text
    async with community.app.session_factory() as session:
        gifts = list(
            await session.scalars(
                select(LedgerTransfer.id).where(LedgerTransfer.kind == fund.RECEIVED)
            )
        )
    await lin.press_data(FundFix(action="ask", transfer_id=gifts[1]).pack(), receipt.message_id)
    assert "corrected already" in lin.callback_answers[-1].text
    await shows(telegram, coordinators, english.message_id, f"Raised ¥3,200 / ¥5,000 {HALF}")
    async with community.app.session_factory() as session:
        reversed_ = await session.scalars(
            select(LedgerTransfer.reverses_id).where(LedgerTransfer.reverses_id.is_not(None))
        )
        assert list(reversed_) == [gifts[1]]
        balance, _ = await fund.balance_for(
            session, await session.get(User, rows[0].id), FIRST_COMMUNITY_ID,
            now=community.clock.now(),
        )  # fmt: skip
        assert balance == 320_000
    await lin.send_command("/fund")
    assert "In the fund now: ¥3,200" in lin.last.text
    await lin.tap("📄 The public ledger of this month")
    public = lin.last.text
    assert "Undone, money received recorded by mistake: ¥1,800" in public
    for private in (*DONORS, "recorded twice", "Lin", RESIDENT_PHONE, "3栋502"):
        assert private not in public
        for group in (coordinators, volunteers):
            assert not [m for m in group.messages if private in m.text]

    # a volunteer's forged presses: refused, nothing changed
    await tao.send_command("/fund")
    refusal = tao.last
    for data in (
        FundFix(action="ask", transfer_id=1).pack(),
        FundCampaignStep(action="close", value=1).pack(),
        FundCampaignStep(action="new").pack(),
    ):
        await tao.press_data(data, refusal.message_id)
        assert "Only the community's coordinators" in tao.callback_answers[-1].text
    async with community.app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(LedgerTransfer)) == 3


async def test_two_receipts_at_the_same_moment_leave_the_progress_exact(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    """Handled concurrently, as `linli run` does: both gifts counted, in the one message."""
    async with running_community(telegram, database_url, clock, handle_as_tasks=True) as linli:
        rows, coordinators, _ = await coordinators_and_groups(linli, telegram)
        lin, wu = telegram.users[502], telegram.users[503]
        async with linli.app.session_factory() as session:
            campaign = await fund_campaigns.open_campaign(
                session, await session.get(User, rows[0].id), community_id=FIRST_COMMUNITY_ID,
                title="冬衣", goal=500_000, ends_on=None, now=clock.now(),
            )  # fmt: skip
            notifier = Notifier(session, linli.settings, clock, linli.app.dispatcher["i18n"])
            await notify_campaigns.post_progress(notifier, campaign)
            await session.commit()
        posted = await coordinators.wait_for_message(has("冬衣"))
        await give(lin, "2,200", DONORS[1], last_tap=False)
        await give(wu, "1,000", DONORS[0], last_tap=False)
        for coordinator in (lin, wu):  # both last taps queued before the bot polls again
            await coordinator.tap("⏭ No receipt photo", wait=False)
        for coordinator, amount in ((lin, "¥2,200"), (wu, "¥1,000")):
            await coordinator.wait_for_message(has(f"Recorded: {amount} received"))
        await linli.outbox_drained()
        await shows(telegram, coordinators, posted.message_id, f"Raised ¥3,200 / ¥5,000 {HALF}")


async def test_a_payout_paid_is_undone_from_the_coordinators_group(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    rows, coordinators, _ = await coordinators_and_groups(community, telegram)
    async with community.app.session_factory() as session:
        lin, wu, zhao = [await session.get(User, row.id) for row in rows]
        assert lin is not None and wu is not None and zhao is not None
        home = await households.open_household(
            session, community_id=FIRST_COMMUNITY_ID, label="周伯伯家", address="幸福里 3栋 502",
            now=community.clock.now(), by=lin,
        )  # fmt: skip
        await fund.record_received(
            session, lin, community_id=FIRST_COMMUNITY_ID, amount=100_000, donor=DONORS[0],
            receipt_file_id=None, now=community.clock.now(),
        )  # fmt: skip
        payout = await fund.request_payout(
            session, lin, household_id=home.id, amount=30_000, category="medical",
            note="住院押金", now=community.clock.now(),
        )  # fmt: skip
        await fund.approve_payout(session, wu, payout.id, now=community.clock.now())
        approval = await fund.approve_payout(session, zhao, payout.id, now=community.clock.now())
        notifier = Notifier(
            session, community.settings, community.clock, community.app.dispatcher["i18n"]
        )
        await notify_fund.payout_paid(notifier, approval.payout, home)
        await session.commit()
    wu_there = telegram.users[503].in_group(coordinators)
    paid = await coordinators.wait_for_message(has("recorded as paid"))
    await wu_there.tap("↩️ Correct this", message_id=paid.message_id)
    question = await coordinators.wait_for_message(has("Why?"))
    await wu_there.send_text("chatting with colleagues")  # not a reply to the question: not taken
    await wu_there.send_text("wrong household", reply_to=question.message_id)
    await coordinators.wait_for_message(has("Corrected: ¥300 undone"))
    assert coordinators.message(paid.message_id).buttons == []
    async with community.app.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(FundCampaign)) == 0
        reasons = list(await session.scalars(select(LedgerTransfer.reason)))
        assert reasons == [None, None, "wrong household"]
    lin_chat = telegram.users[502]
    await lin_chat.send_command("/fund")
    assert "In the fund now: ¥1,000" in lin_chat.last.text
    await lin_chat.tap("📄 The public ledger of this month")
    public = lin_chat.last.text
    assert "Undone, a payout recorded by mistake: A1 · ¥300 · medical" in public
    assert "No payouts in this period" in public
    for private in ("周伯伯家", "幸福里", "住院押金", "wrong household", DONORS[0]):
        assert private not in public


async def test_a_campaign_ends_on_its_date_or_when_a_coordinator_closes_it(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    rows, coordinators, _ = await coordinators_and_groups(community, telegram)
    async with community.app.session_factory() as session:
        lin = await session.get(User, rows[0].id)
        notifier = Notifier(session, community.settings, clock, community.app.dispatcher["i18n"])
        for title, ends_on in (("冬衣", clock.now().date()), ("助学", None)):
            campaign = await fund_campaigns.open_campaign(
                session, lin, community_id=FIRST_COMMUNITY_ID, title=title, goal=500_000,
                ends_on=ends_on, now=clock.now(),
            )  # fmt: skip
            await notify_campaigns.post_progress(notifier, campaign)
        await session.commit()
    coats = await coordinators.wait_for_message(has("冬衣"))
    school = await coordinators.wait_for_message(has("助学"))
    assert "Until" in coats.text and "Until" not in school.text

    lin_chat = telegram.users[502]
    await lin_chat.send_command("/fund")
    await lin_chat.tap("📣 Campaigns")
    listing = lin_chat.last
    assert "冬衣" in listing.text and "助学" in listing.text
    await lin_chat.tap("✖️ Close “助学”")
    assert "closed" in lin_chat.callback_answers[-1].text
    assert "助学" not in lin_chat.message(listing.message_id).text
    close = FundCampaignStep(action="close", value=2).pack()
    await lin_chat.press_data(close, listing.message_id)  # a double tap
    assert "closed already" in lin_chat.callback_answers[-1].text
    await shows(telegram, coordinators, school.message_id, "The campaign is closed")

    scheduler: Scheduler = community.app.dispatcher["scheduler"]
    await scheduler.tick()  # its last day is today: still open
    clock.set(clock.now() + timedelta(days=2))
    await scheduler.tick()
    await shows(telegram, coordinators, coats.message_id, "The campaign has ended")
    await community.outbox_drained()  # the volunteers' group's edit too
    edits = sum(call.method == "editMessageText" for call in telegram.calls)
    await scheduler.tick()
    await community.outbox_drained()
    assert sum(call.method == "editMessageText" for call in telegram.calls) == edits
