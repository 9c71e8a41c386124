"""Conversations of the time bank (爱心时间): a volunteer finishes a task and reads it in
"⏱ My hours" (balance, this month, the latest entries), pages through older entries with big
buttons, in her own language; a resident who gave time reads hers; forged and stale page
buttons change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.callbacks import HoursPage, OfferStep
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.scheduling.scheduler import Scheduler
from bot.services import claims, households, ledger, time_bank
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.models import LedgerTransfer, User, UserRole
from tests.e2e.community import (
    open_request,
    person,
    resident_and_coordinator,
)
from tests.e2e.harness import RunningBot
from tests.e2e.steps import has

CLAIM = "🙌 I'll do it"


async def _give(linli: RunningBot, person_id: int, minutes: list[int]) -> None:
    """Time given on earlier days (as visits or time offered would credit it)."""
    async with linli.app.session_factory() as session:
        for n, amount in enumerate(minutes):
            await ledger.credit_time(
                session,
                community_id=FIRST_COMMUNITY_ID,
                person_id=person_id,
                minutes=amount,
                now=linli.clock.now() - timedelta(days=40 - n),
                source=f"test:{person_id}:{n}",
            )
        await session.commit()


async def test_a_volunteer_reads_her_time_and_pages_through_it(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    resident, coordinator = await resident_and_coordinator(community, telegram)
    await open_request(community, resident, coordinator)
    tao_row = await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao")
    tao = telegram.users[601]
    await tao.send_command("/hours")
    assert "In total: 0 min" in tao.last.text and not tao.last.buttons  # nothing yet

    await _give(community, tao_row.id, [30, 30, 30, 30, 30, 30])  # last month
    await tao.send_command("/tasks")
    await tao.tap(CLAIM)
    await tao.tap("✅ Done")
    await tao.tap("1 h")
    assert "1 h counted" in tao.last.text and "In total: 4 h" in tao.last.text

    await tao.send_text("⏱ My hours")  # the menu button
    text = tao.last.text
    assert "In total: 4 h" in text and "This month: 1 h" in text
    assert "Entries 1–5 of 7, newest first" in text
    assert "+1 h · help with request no." in text.splitlines()[5]
    assert tao.last.buttons == [["⬇️ Older entries"], ["📜 Certificate"]]
    shown = tao.last.message_id
    await tao.tap("⬇️ Older entries")
    assert "Entries 6–7 of 7" in tao.last.text and tao.last.message_id == shown
    assert tao.last.text.count("+30 min · time given") == 2
    assert tao.last.buttons == [["⬆️ Newer entries"]]
    await tao.tap("⬆️ Newer entries")
    assert "Entries 1–5 of 7" in tao.last.text

    # a forged page far beyond the end shows the last entry, never another person's
    await tao.press_data(HoursPage(offset=99_999).pack(), shown)
    assert "Entries 7–7 of 7" in tao.last.text


async def test_a_resident_who_gave_time_reads_hers_in_chinese(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    mei_row = await person(
        community, telegram, 501, UserRole.RESIDENT, name="Mei", locale="zh_Hans"
    )
    mei = telegram.users[501]
    await mei.send_command("/hours")
    refused = mei.last.text
    assert "爱心时间" not in refused  # no account yet: the kind answer of before
    await mei.press_data(HoursPage(offset=0).pack(), mei.last.message_id)
    assert mei.callback_answers[-1].text  # answered kindly, nothing shown

    await _give(community, mei_row.id, [45])
    await mei.send_command("/hours")
    assert "爱心时间" in mei.last.text and "累计：45 分钟" in mei.last.text
    assert "+45 分钟 · 付出的时间" in mei.last.text


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_a_coordinator_records_time_a_household_gave_back_once(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """Mei, who was helped, helped a neighbour in turn: Lin records it for Mei's household,
    and Mei reads it in "⏱ My hours"; the same update again credits nothing more."""
    lin_row = await person(community, telegram, 502, UserRole.COORDINATOR, name="Lin")
    mei_row = await person(community, telegram, 501, UserRole.RESIDENT, name="Mei")
    async with community.app.session_factory() as session:
        home = await households.open_household(
            session, community_id=FIRST_COMMUNITY_ID, label="王家", now=community.clock.now(),
            by=await session.get(User, lin_row.id),
        )  # fmt: skip
        mei = await session.get(User, mei_row.id)
        assert mei is not None
        mei.household_id = home.id
        await session.commit()
    lin, mei_chat = telegram.users[502], telegram.users[501]
    await mei_chat.send_command("/hours")
    assert "gave back" not in mei_chat.last.text  # nothing yet: the kind refusal

    await lin.send_command("/hours")
    await lin.tap("➕ Record time a household gave")
    await lin.tap("A1 · 王家")
    await lin.send_sticker()
    assert "How long did they give?" in lin.last.text
    await lin.send_text("forever")
    assert "from 1 to 1440" in lin.last.text
    await lin.send_text("1.5 hours")
    assert "1 h 30 min credited to A1's time account" in lin.last.text
    await mei_chat.send_command("/hours")
    assert "Your household A1 gave back: 1 h 30 min" in mei_chat.last.text
    async with community.app.session_factory() as session:  # the same update again
        given = (
            await session.scalars(
                select(LedgerTransfer).where(LedgerTransfer.source.startswith("given:"))
            )
        ).one()
        assert given.source is not None
        await time_bank.record_time_given(
            session, await session.get(User, lin_row.id), home.id, 90,
            now=community.clock.now(), source=given.source,
        )  # fmt: skip
        count = await session.scalar(select(func.count()).select_from(LedgerTransfer))
        assert count == 1


@pytest.mark.postgresql  # the database matters here (scoping, a claim, once): PostgreSQL too
async def test_a_resident_helped_often_hears_once_a_month_that_she_could_give_back(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    """Only because she asked for it, never more than once a month, and never again once she
    says so."""
    mei_row, lin_row = await resident_and_coordinator(community, telegram)
    tao_row = await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao")
    for n in range(3):  # helped three times lately
        request = await open_request(community, mei_row, lin_row, f"Rice, week {n}")
        async with community.app.session_factory() as session:
            tao = await session.get(User, tao_row.id)
            await claims.claim_task(session, tao, request.id, clock=clock, max_open_claims=3)
            await claims.complete_task(session, tao, request.id, 30, clock=clock)
            await session.commit()
    mei = telegram.users[501]
    scheduler: Scheduler = community.app.dispatcher["scheduler"]
    await scheduler.tick()
    await community.outbox_drained()
    assert not [m for m in mei.messages if "give a little time back" in m.text]  # not asked

    await mei.send_command("/help")
    await mei.tap("🌱 Tell me when I could give time back")
    assert "at most once a month" in mei.callback_answers[-1].text
    assert mei.last.labels[-1] == "🔕 No more word about giving time back"
    await scheduler.tick()
    nudge = await mei.wait_for_message(has("give a little time back"))
    assert nudge.labels == ["🤝 Offer my time", "📞 Please call me", "🔕 No more of these"]
    clock.advance(timedelta(days=2))
    await scheduler.tick()
    await community.outbox_drained()
    assert sum("give a little time back" in m.text for m in mei.messages) == 1  # once a month

    await mei.tap("🔕 No more of these", message_id=nudge.message_id)
    assert "not mention it again" in mei.callback_answers[-1].text
    clock.advance(timedelta(days=31))
    await scheduler.tick()
    await community.outbox_drained()
    assert sum("give a little time back" in m.text for m in mei.messages) == 1

    await mei.press_data(OfferStep(field="start").pack(), nudge.message_id)  # 🤝 Offer my time
    assert "What could you give?" in mei.last.text and "☕ Keeping an elder company" in (
        mei.last.labels
    )
