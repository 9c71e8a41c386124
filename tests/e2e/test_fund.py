"""Conversations of the mutual-aid fund (互助基金): a coordinator records money received with
its receipt, asks for a payout to a household; the card reaches the other coordinators, the
asker's own approval is refused, one approval is not enough, a second coordinator's pays it;
the public ledger names the household by its code only; the ledger is exported; a volunteer is
refused kindly; bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.scheduling.scheduler import Scheduler
from bot.services import fund, households
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.models import LedgerTransfer, User, UserRole
from tests.e2e.community import COORDINATORS_CHAT, VOLUNTEERS_CHAT, person
from tests.e2e.harness import RunningBot
from tests.e2e.steps import has

LABEL, ADDRESS, DONOR = "周伯伯家", "幸福里 3栋 502", "陈大明"
APPROVE = "✅ Approve this payout"
GIVE_BACK = "🌱 Tell me when I could give time back"  # a resident's own choice, also in Help


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_money_in_a_payout_approved_by_two_others_and_the_public_ledger(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    lin_row = await person(community, telegram, 502, UserRole.COORDINATOR, name="Lin")
    await person(community, telegram, 503, UserRole.COORDINATOR, name="Wu")
    await person(community, telegram, 504, UserRole.COORDINATOR, name="Zhao")
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao")
    async with community.app.session_factory() as session:
        await households.open_household(
            session, community_id=FIRST_COMMUNITY_ID, label=LABEL, address=ADDRESS,
            now=community.clock.now(), by=lin_row,
        )  # fmt: skip
        await session.commit()
    lin, tao = telegram.users[502], telegram.users[601]
    group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[502, 503, 504])

    await tao.send_command("/fund")
    assert "Only the community's coordinators keep the fund" in tao.last.text

    await lin.send_text("💰 Mutual-aid fund")
    assert "In the fund now: ¥0" in lin.last.text
    await lin.tap("💴 Record money received")
    await lin.send_text("a lot")
    assert "Please write an amount" in lin.last.text
    await lin.send_text("1,000")
    assert "Who gave it?" in lin.last.text
    await lin.send_sticker()
    assert "Please type your answer" in lin.last.text
    await lin.send_text(DONOR)
    assert "photo of the receipt" in lin.last.text
    await lin.send_text("here it is")  # words where a photo or the button is awaited
    assert "photo of the receipt" in lin.last.text and lin.last.buttons
    await lin.send_photo()
    receipt = await lin.wait_for_message(has(f"Recorded: ¥1,000 received ({DONOR})"))
    assert receipt.labels == ["↩️ Correct this"]

    await lin.send_command("/fund")
    assert "In the fund now: ¥1,000" in lin.last.text
    await lin.tap("🤝 Pay out to a household")
    await lin.send_text("A1")  # typed where a household's button is awaited: asked again
    assert "Which household?" in lin.last.text
    await lin.tap(f"🏠 A1 · {LABEL}")
    await lin.send_text("300")
    await lin.tap("medical")
    await lin.send_text("x" * 4000)
    assert "keep it to 300 characters" in lin.last.text
    await lin.tap("⏭ No note")
    assert "Two other coordinators approve it" in lin.last.text

    card = await group.wait_for_message(has("Payout no."))  # the coordinators' group
    assert f"A1 ({LABEL})" in card.text and "¥300" in card.text
    lin_there, wu_there, zhao_there = (telegram.users[n].in_group(group) for n in (502, 503, 504))
    await lin_there.tap(APPROVE, message_id=card.message_id)
    assert "two other coordinators approve it" in lin_there.callback_answers[-1].text
    await wu_there.tap(APPROVE, message_id=card.message_id)
    assert "One more coordinator's approval" in wu_there.callback_answers[-1].text
    assert "waiting for a second approval" in group.message(card.message_id).text
    await wu_there.tap(APPROVE, message_id=card.message_id)  # a double tap: still one approval
    assert "You approved it already" in wu_there.callback_answers[-1].text
    await zhao_there.tap(APPROVE, message_id=card.message_id)
    assert "recorded as paid" in zhao_there.callback_answers[-1].text
    await group.wait_for_message(has("approved twice: recorded as paid"))
    assert group.message(card.message_id).buttons == []

    await lin.send_command("/fund")
    assert "In the fund now: ¥700" in lin.last.text
    await lin.tap("📄 The public ledger of this month")
    public = lin.last.text
    assert "A1 · ¥300 · medical" in public and "Received: ¥1,000" in public
    for private in (LABEL, ADDRESS, DONOR, "Lin", "Wu", "Zhao"):
        assert private not in public
    await lin.send_command("/fund")
    await lin.tap("📥 Export the whole ledger (CSV)")
    exported = await lin.wait_for_message(lambda m: m.document is not None)
    assert exported.file_bytes is not None and DONOR in exported.file_bytes.decode("utf-8-sig")

    async with community.app.session_factory() as session:
        kinds = list(await session.scalars(select(LedgerTransfer.kind).order_by(LedgerTransfer.id)))
        assert kinds == ["fund.received", "fund.payout"]


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_the_month_s_public_ledger_is_posted_once_in_the_volunteers_group(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    """Once March has ended in Shanghai, the volunteers' group reads March's fund: totals and
    each payout by household code only; the next ticks post nothing more."""
    coordinators = [
        await person(community, telegram, 502 + n, UserRole.COORDINATOR, name=name)
        for n, name in enumerate(("Lin", "Wu", "Zhao"))
    ]
    volunteers_group = telegram.group(VOLUNTEERS_CHAT, "Volunteers")
    async with community.app.session_factory() as session:
        lin, wu, zhao = [await session.get(User, c.id) for c in coordinators]
        home = await households.open_household(
            session, community_id=FIRST_COMMUNITY_ID, label=LABEL, address=ADDRESS,
            now=clock.now(), by=lin,
        )  # fmt: skip
        await fund.record_received(
            session, lin, community_id=FIRST_COMMUNITY_ID, amount=100_000, donor=DONOR,
            receipt_file_id=None, now=clock.now(),
        )  # fmt: skip
        payout = await fund.request_payout(
            session, lin, household_id=home.id, amount=30_000, category="medical",
            note="住院押金", now=clock.now(),
        )  # fmt: skip
        await fund.approve_payout(session, wu, payout.id, now=clock.now())
        await fund.approve_payout(session, zhao, payout.id, now=clock.now())
        await session.commit()
    scheduler: Scheduler = community.app.dispatcher["scheduler"]
    await scheduler.tick()  # still March: nothing yet
    clock.set(datetime(2026, 3, 31, 16, 1, tzinfo=UTC))  # 00:01 on 1 April in Shanghai
    await scheduler.tick()
    post = await volunteers_group.wait_for_message(has("Mutual-aid fund"))
    assert "2026-03" in post.text and "A1 · ¥300 · medical" in post.text
    for private in (LABEL, ADDRESS, DONOR, "住院押金", "Lin", "Wu", "Zhao"):
        assert private not in post.text
    await scheduler.tick()
    await community.outbox_drained()
    assert sum("Mutual-aid fund" in m.text for m in volunteers_group.messages) == 1


async def test_a_resident_who_asks_for_it_gets_the_month_s_ledger(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    lin_row = await person(community, telegram, 502, UserRole.COORDINATOR, name="Lin")
    await person(community, telegram, 501, UserRole.RESIDENT, name="Mei")
    await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao")
    mei, tao = telegram.users[501], telegram.users[601]
    await mei.send_command("/help")
    assert mei.last.labels == ["📞 Please call me", GIVE_BACK]  # no fund yet: nothing to offer
    async with community.app.session_factory() as session:
        await fund.record_received(
            session, await session.get(User, lin_row.id), community_id=FIRST_COMMUNITY_ID,
            amount=50_000, donor=DONOR, receipt_file_id=None, now=clock.now(),
        )  # fmt: skip
        await session.commit()
    await mei.send_command("/help")
    assert mei.last.labels == [
        "📞 Please call me",
        "💰 Send me the fund's monthly ledger",
        GIVE_BACK,
    ]
    await mei.tap("💰 Send me the fund's monthly ledger")
    assert "at the start of each month" in mei.callback_answers[-1].text
    assert mei.last.labels == ["📞 Please call me", "🔕 Stop the fund's monthly ledger", GIVE_BACK]

    clock.set(datetime(2026, 4, 1, 0, 30, tzinfo=UTC))  # 08:30 on 1 April in Shanghai
    scheduler: Scheduler = community.app.dispatcher["scheduler"]
    await scheduler.tick()
    ledger_text = await mei.wait_for_message(has("Mutual-aid fund"))
    assert "Received: ¥500" in ledger_text.text and DONOR not in ledger_text.text
    await community.outbox_drained()
    assert not [m for m in tao.messages if "Mutual-aid fund" in m.text]  # he did not ask


async def test_a_payout_can_go_to_any_of_many_households(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """The picker shows eight homes a page: the tenth is one "➡️ More households" away (the
    first thirty only were offered before, and the 31st home of a community was never)."""
    lin_row = await person(community, telegram, 502, UserRole.COORDINATOR, name="Lin")
    async with community.app.session_factory() as session:
        for number in range(1, 11):
            await households.open_household(
                session, community_id=FIRST_COMMUNITY_ID, label=f"Home {number}",
                now=community.clock.now(), by=lin_row,
            )  # fmt: skip
        await session.commit()
    lin = telegram.users[502]
    await lin.send_command("/fund")
    await lin.tap("🤝 Pay out to a household")
    first_page = [row[0] for row in lin.last.buttons]
    assert first_page[0] == "🏠 A1 · Home 1" and "🏠 A9 · Home 9" not in first_page
    assert first_page[-1] == "➡️ More households"
    await lin.tap("➡️ More households")
    second_page = [row[0] for row in lin.last.buttons]
    assert second_page == ["🏠 A9 · Home 9", "🏠 A10 · Home 10", "⬅️ Back"]
    await lin.tap("🏠 A10 · Home 10")
    assert "How much should the household receive?" in lin.last.text
