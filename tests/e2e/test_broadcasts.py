"""Coordinators' broadcasts and events, through the fake Bot API: writing, preview, count,
sending now or later, progress and the final report, stopping, RSVP with capacity, reminders,
the calendar file; and a broadcast to 1,000 people that survives 429s, blocked people and a
restart of the bot in the middle."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.callbacks import BroadcastStep, EventAnswer
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.models import (
    Broadcast,
    BroadcastStatus,
    OutboxMessage,
    OutboxStatus,
    User,
    UserRole,
)
from tests.e2e.community import person
from tests.e2e.harness import RunningBot

COORDINATOR = 900


async def coordinator(linli: RunningBot, telegram: FakeBotAPI, language: str = "en") -> ChatUser:
    locale = {"en": "en", "zh-hans": "zh_Hans", "zh-hant": "zh_Hant"}[language]
    await person(linli, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin", locale=locale)
    return telegram.user(COORDINATOR, first_name="Lin", language_code=language)


async def residents(
    linli: RunningBot, telegram: FakeBotAPI, ids: range, **details: object
) -> list[ChatUser]:
    people = []
    for telegram_id in ids:
        await person(linli, telegram, telegram_id, UserRole.RESIDENT, **details)  # type: ignore[arg-type]
        people.append(telegram.user(telegram_id, first_name=f"R{telegram_id}", language_code="en"))
    return people


async def wait_for(predicate: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def broadcast_row(linli: RunningBot) -> Broadcast:
    async with linli.app.session_factory() as session:
        row = await session.scalar(select(Broadcast).order_by(Broadcast.id.desc()))
        assert row is not None
        return row


async def write_notice(lin: ChatUser, text: str, audience: str = "Everyone") -> None:
    await lin.send_command("/broadcast")
    await lin.send_text(text)
    await lin.tap("No, continue")
    await lin.tap("No, just a notice")
    await lin.tap(audience)


@pytest.mark.postgresql
async def test_coordinator_sends_a_notice_in_two_languages_and_sees_the_report(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    lin = await coordinator(linli, telegram)
    ann, bo = await residents(linli, telegram, range(601, 603))
    async with linli.app.session_factory() as session:
        chinese = await session.scalar(select(User).where(User.telegram_id == 602))
        assert chinese is not None
        chinese.locale = "zh_Hans"
        await session.commit()

    await lin.send_command("/broadcast")
    assert "New notice" in lin.last.text
    await lin.send_sticker()
    assert "text message" in lin.last.text
    await lin.send_text("x" * 4000)
    assert "too long" in lin.last.text
    await lin.send_text("Health talk on Friday at 10 in the community hall.")
    await lin.tap("Add a language")
    await lin.tap("简体中文")
    await lin.send_text("周五上午十点在社区礼堂有健康讲座。")
    await lin.tap("No, continue")
    await lin.send_text("hello?")
    assert "did not quite understand" in lin.last.text
    assert ["➡️ No, just a notice"] in lin.last.buttons  # the question again, to tap there
    await lin.tap("No, just a notice")
    await lin.tap("Residents")
    previews = [m.text for m in lin.replies]
    assert "Health talk on Friday at 10 in the community hall." in previews
    assert "周五上午十点在社区礼堂有健康讲座。" in previews
    assert "2 people will receive it" in lin.last.text
    await lin.tap("Send now")
    assert "Send it now to 2 people?" in lin.last.text
    await lin.tap("Yes, send it")
    progress = lin.last
    assert "Sending broadcast" in progress.text and "Stop sending" in str(progress.buttons)

    got_en = await ann.wait_for_message()
    got_zh = await bo.wait_for_message()
    assert got_en.text == "Health talk on Friday at 10 in the community hall."
    assert got_zh.text == "周五上午十点在社区礼堂有健康讲座。"
    report = await lin.wait_for_message(lambda m: "Final report" in m.text)
    assert "Sent: 2" in report.text and "Total: 2" in report.text
    await wait_for(lambda: "report is below" in lin.message(progress.message_id).text)
    assert lin.message(progress.message_id).buttons == []  # no "Stop sending" left
    assert [m.text for m in lin.messages].count(report.text) == 1  # the report, posted once

    row = await broadcast_row(linli)
    stale = BroadcastStep(action="go", broadcast_id=row.id).pack()
    await lin.press_data(stale, progress.message_id)  # an old "send" pressed again
    assert "already sent" in lin.callback_answers[-1].text


async def test_a_resident_cannot_broadcast(linli: RunningBot, telegram: FakeBotAPI) -> None:
    (ann,) = await residents(linli, telegram, range(611, 612))
    await ann.send_command("/broadcast")
    assert "only community coordinators" in ann.last.text


async def test_photo_notice_scheduled_then_sent_by_the_scheduler(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    lin = await coordinator(linli, telegram)
    (ann,) = await residents(linli, telegram, range(621, 622), area="Building 7")
    await residents(linli, telegram, range(622, 623), area="Building 8")
    await lin.send_command("/broadcast")
    await lin.send_photo(caption="Water is off on Monday morning.")
    await lin.tap("No, continue")
    await lin.tap("No, just a notice")
    await lin.tap("A building or area")
    await lin.send_text("building 7")  # typed: a place is tapped, not typed
    assert "did not quite understand" in lin.last.text
    assert any("Building 7" in label for row in lin.last.buttons for label in row)
    await lin.tap("📍 Building 7")
    preview = [m for m in lin.replies if m.photo]
    assert preview and preview[0].text == "Water is off on Monday morning."
    assert "1 people will receive it (people in Building 7)" in lin.last.text
    await lin.tap("Schedule")
    await lin.send_text("tomorrow")
    assert "2026-05-01 14:30" in lin.last.text
    await lin.send_text("2020-01-01 10:00")
    assert "already passed" in lin.last.text
    local = (clock.now() + timedelta(hours=10)).strftime("%Y-%m-%d %H:%M")  # Shanghai = UTC+8
    await lin.send_text(local)
    assert "Scheduled" in lin.last.text

    await linli.app.dispatcher["scheduler"].tick()
    assert not telegram.delivered(ann.id)
    clock.advance(timedelta(hours=2, minutes=1))
    await linli.app.dispatcher["scheduler"].tick()
    got = await ann.wait_for_message()
    assert got.photo and got.text == "Water is off on Monday morning."
    report = await lin.wait_for_message(lambda m: "Final report" in m.text)
    assert "Sent: 1" in report.text
    assert not telegram.delivered(622)


@pytest.mark.postgresql
async def test_event_with_capacity_rsvp_reminders_and_calendar(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    lin = await coordinator(linli, telegram, "zh-hans")
    ann, bo = await residents(linli, telegram, range(631, 633))
    await lin.send_command("/broadcast")
    await lin.send_text("欢迎参加！")
    await lin.tap("不用，继续")
    await lin.tap("设为活动")
    await lin.send_text("健康讲座")
    await lin.send_text("社区礼堂")
    await lin.send_text("2026-03-05 10:00")  # Shanghai time: 02:00 UTC on 5 March
    await lin.send_text("zero")
    await lin.send_text("1")
    await lin.tap("居民")
    assert any(m.buttons for m in lin.replies)
    await lin.tap("立即发送")
    await lin.tap("是的，发送")

    invite = await ann.wait_for_message()
    await bo.wait_for_message()
    assert "Health talk" not in invite.text and "健康讲座" in invite.text
    assert "2026-03-05 10:00" in invite.text
    await ann.tap("I'll come")
    assert "saved your place" in ann.callback_answers[-1].text
    await bo.tap("I'll come")
    assert "full" in bo.callback_answers[-1].text
    await ann.tap("I'll come")
    assert "already answered" in ann.callback_answers[-1].text

    await ann.tap("Add to calendar")
    ics = await ann.wait_for_message(lambda m: m.document is not None)
    assert ics.file_bytes is not None
    assert b"DTSTART:20260305T020000Z\r\n" in ics.file_bytes
    assert "SUMMARY:健康讲座".encode() in ics.file_bytes

    report = await lin.wait_for_message(lambda m: "最终报告：" in m.text)
    await lin.tap("谁会来", message_id=report.message_id)
    assert "Ann" in lin.last.text and "1" in lin.last.text

    # the day before (02:00 UTC on 4 March) and two hours before, each once
    clock.set(datetime(2026, 3, 4, 2, 1, tzinfo=UTC))
    linli.app.dispatcher["outbox"].wake()
    day = await ann.wait_for_message(lambda m: "Reminder" in m.text)
    assert "tomorrow" in day.text
    clock.set(datetime(2026, 3, 5, 0, 1, tzinfo=UTC))
    linli.app.dispatcher["outbox"].wake()
    soon = await ann.wait_for_message(lambda m: "Reminder" in m.text)
    assert "two hours" in soon.text
    await asyncio.sleep(0.5)
    assert not telegram.duplicate_texts(ann.id)
    assert not [m for m in telegram.delivered(bo.id) if "Reminder" in m.text]


async def test_stop_sending_withdraws_what_waits(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    linli = RunningBot(
        telegram, telegram.base_url, clock, database_url=database_url, default_locale="en",
        outbox_rate=2,
    )  # fmt: skip
    await linli.start()
    try:
        lin = await coordinator(linli, telegram)
        await residents(linli, telegram, range(641, 661))
        await write_notice(lin, "Market on Sunday", audience="Residents")
        await lin.tap("Send now")
        await lin.tap("Yes, send it")
        progress = lin.last
        await lin.tap("Stop sending", message_id=progress.message_id)
        assert "will not be sent" in lin.callback_answers[-1].text
        report = await lin.wait_for_message(lambda m: "was stopped" in m.text)
        assert "Total: 20" in report.text
        async with linli.app.session_factory() as session:
            skipped = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "broadcast", OutboxMessage.status == "skipped")
            )
        assert skipped and skipped >= 15
        row = await broadcast_row(linli)
        assert row.status == BroadcastStatus.CANCELLED
        sent = len(
            [
                m
                for m in telegram.delivered()
                if m.text == "Market on Sunday" and m.chat_id != COORDINATOR  # not the preview
            ]
        )
        assert sent + skipped == 20
    finally:
        await linli.stop()


@pytest.mark.postgresql
async def test_a_thousand_people_429s_blocked_and_a_restart(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    """Every reachable person gets it exactly once, blocked people are marked, the report adds
    up, though Telegram answers 429 and the bot restarts in the middle."""
    linli = RunningBot(
        telegram, telegram.base_url, clock, database_url=database_url, default_locale="en",
        outbox_rate=1000,
    )  # fmt: skip
    await linli.start()
    try:
        lin = await coordinator(linli, telegram)
        first, count = 10_000, 1000
        now = clock.now()
        people = [
            {
                "telegram_id": first + n,
                "telegram_language": "en",
                "role": UserRole.RESIDENT,
                "community_id": FIRST_COMMUNITY_ID,
                "display_name": f"Resident {n}",
                "area": "Building 1",
                "timezone": "Asia/Shanghai",
                "consent_at": now,
                "onboarded_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ]
        async with linli.app.session_factory() as session:
            await session.execute(insert(User), people)
            await session.commit()
        for n in range(count):
            telegram.user(first + n, first_name=f"R{n}", language_code="en")
        blocked = [first + n for n in range(0, count, 50)]  # 2%
        for telegram_id in blocked:
            telegram.block(telegram_id)
        await write_notice(lin, "Vaccination day on Saturday", audience="Residents")
        assert "1000 people will receive it" in lin.last.text
        await lin.tap("Send now")
        await lin.tap("Yes, send it")
        telegram.inject("sendMessage", error=429, retry_after=1, times=2)  # the sender's

        def delivered() -> int:
            return len(
                [
                    m
                    for m in telegram.delivered()
                    if m.text == "Vaccination day on Saturday" and m.chat_id != COORDINATOR
                ]
            )

        await wait_for(lambda: delivered() >= 300, seconds=60)
        await linli.restart()
        await wait_for(lambda: delivered() >= count - len(blocked), seconds=60)
        report = await lin.wait_for_message(lambda m: "Final report" in m.text, timeout=30)

        duplicates = {
            key: n for key, n in telegram.duplicate_texts().items() if key[1].startswith("Vacc")
        }
        assert duplicates == {}
        got = {
            m.chat_id
            for m in telegram.delivered()
            if m.text == "Vaccination day on Saturday" and m.chat_id != COORDINATOR
        }
        assert got == {first + n for n in range(count)} - set(blocked)
        assert "Sent: 980" in report.text and "Blocked the bot: 20" in report.text
        assert "Total: 1000" in report.text
        async with linli.app.session_factory() as session:
            marked = set(
                await session.scalars(
                    select(User.telegram_id).where(User.unreachable_at.is_not(None))
                )
            )
            statuses = dict(
                (
                    await session.execute(
                        select(OutboxMessage.status, func.count())
                        .where(OutboxMessage.kind == "broadcast")
                        .group_by(OutboxMessage.status)
                    )
                ).all()
            )
        assert marked == set(blocked)
        assert statuses == {OutboxStatus.SENT: 980, OutboxStatus.BLOCKED: 20}
    finally:
        await linli.stop()


async def test_the_calendar_file_goes_only_to_those_the_event_was_sent_to(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    lin = await coordinator(linli, telegram)
    (ann,) = await residents(linli, telegram, range(671, 672))
    await person(linli, telegram, 672, UserRole.VOLUNTEER, name="Tao")
    tao = telegram.user(672, first_name="Tao", language_code="en")
    await lin.send_command("/broadcast")
    await lin.send_text("Tea in the yard, all welcome!")
    await lin.tap("No, continue")
    await lin.tap("Make it an event")
    await lin.send_text("Tea party")
    await lin.send_text("The yard")
    await lin.send_text("2026-03-05 10:00")
    await lin.tap("No limit")
    await lin.tap("Residents")
    await lin.tap("Send now")
    await lin.tap("Yes, send it")
    await ann.wait_for_message(lambda m: "Tea in the yard" in m.text)
    event_id = (await broadcast_row(linli)).id
    ics = EventAnswer(action="ics", broadcast_id=event_id).pack()

    await tao.send_command("/help")  # not in the audience: a forged (or forwarded) button
    await tao.press_data(ics, message_id=tao.last.message_id)
    assert "no longer active" in (tao.callback_answers[-1].text or "")
    await bo_joins_later(linli, telegram)
    bo = telegram.users[673]
    await bo.send_command("/help")
    await bo.press_data(ics, message_id=bo.last.message_id)
    assert "no longer active" in (bo.callback_answers[-1].text or "")

    await ann.tap("Add to calendar")
    file = await ann.wait_for_message(lambda m: m.document is not None)
    assert file.file_bytes is not None and b"SUMMARY:Tea party" in file.file_bytes
    await lin.press_data(ics, message_id=lin.last.message_id)  # coordinators may
    await lin.wait_for_message(lambda m: m.document is not None)
    for outsider in (tao, bo):
        assert not [m for m in outsider.messages if m.document is not None]


async def bo_joins_later(linli: RunningBot, telegram: FakeBotAPI) -> None:
    """A resident who registered after the event went out."""
    await residents(linli, telegram, range(673, 674))


async def test_a_draft_is_its_authors_alone(linli: RunningBot, telegram: FakeBotAPI) -> None:
    """Another coordinator cannot send, schedule or cancel a draft by forging its buttons."""
    lin = await coordinator(linli, telegram)
    await person(linli, telegram, 901, UserRole.COORDINATOR, name="Wei")
    wei = telegram.user(901, first_name="Wei", language_code="en")
    (ann,) = await residents(linli, telegram, range(681, 682))
    await write_notice(lin, "Water is off on Friday", audience="Residents")
    draft = await broadcast_row(linli)
    assert draft.status is BroadcastStatus.DRAFT

    await wei.send_command("/help")
    for action in ("go", "cancel"):
        forged = BroadcastStep(action=action, broadcast_id=draft.id).pack()
        await wei.press_data(forged, message_id=wei.last.message_id)
        assert "already sent or cancelled" in (wei.callback_answers[-1].text or "")
    assert (await broadcast_row(linli)).status is BroadcastStatus.DRAFT

    await lin.tap("Send now")
    await lin.tap("Yes, send it")
    await ann.wait_for_message(lambda m: "Water is off" in m.text)
