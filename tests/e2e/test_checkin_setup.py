"""Conversations of setting up daily check-ins: a coordinator enrols a resident, who sees who
will be told and agrees; a resident enrols herself; "I'm away" for a week; the coordinators'
board of today; a coordinator checking in on someone's behalf; and presses and messages that
must change nothing. Each runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.callbacks import CheckinPlanAction, CheckinProxy, CheckinSetupStep
from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.i18n import create_i18n
from bot.scheduling.scheduler import Scheduler
from bot.services import checkins
from bot.services.checkins import BoardLine, BoardState, ContactDraft
from bot.services.schedule import QuietHours
from bot.views.checkin_board import board_keyboard, board_text
from bot.views.checkin_setup import stamp_of
from storage.models import (
    Checkin,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    ContactKind,
    User,
    UserRole,
)
from tests.e2e.community import person
from tests.e2e.harness import RunningBot
from tests.e2e.steps import english_words, has

# The test clock starts on Monday 2 March 2026, 09:00 UTC: 17:00 in Shanghai.
RESIDENT, COORDINATOR, VOLUNTEER = 501, 502, 601
CHECKIN_SENT = "daily check-in from your neighbours"
QUIET = QuietHours.parse("22:00-07:00")


def scheduler(linli: RunningBot) -> Scheduler:
    return linli.app.dispatcher["scheduler"]


def labels(message) -> list[str]:
    return [label for row in message.buttons for label in row]


async def plan_of(linli: RunningBot, user: User) -> CheckinPlan | None:
    async with linli.app.session_factory() as session:
        return await checkins.plan_for(session, user.id)


async def chain_kinds(linli: RunningBot, plan: CheckinPlan) -> list[tuple[ContactKind, str]]:
    async with linli.app.session_factory() as session:
        links = await checkins.describe_chain(session, plan)
    return [(link.kind, link.name or "") for link in links]


async def enrolled(
    linli: RunningBot,
    resident: User,
    coordinator: User,
    times: list[str],
    contacts: tuple[ContactDraft, ...] = (),
) -> None:
    """A plan the resident has already agreed to (made through the services)."""
    async with linli.app.session_factory() as session:
        resident = await session.get(User, resident.id)
        coordinator = await session.get(User, coordinator.id)
        assert resident is not None and coordinator is not None
        plan = await checkins.propose_plan(
            session,
            coordinator,
            resident,
            times=times,
            contacts=contacts,
            quiet=QUIET,
            clock=linli.clock,
        )
        await checkins.agree_to_plan(session, resident, plan.id, clock=linli.clock)
        await session.commit()


async def people(linli: RunningBot, telegram: FakeBotAPI) -> tuple[User, User, User]:
    mei = await person(linli, telegram, RESIDENT, UserRole.RESIDENT, name="Mei Chen")
    lin = await person(linli, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin")
    tao = await person(linli, telegram, VOLUNTEER, UserRole.VOLUNTEER, name="Tao Wang")
    return mei, lin, tao


async def choose_times_and_days(chat: ChatUser, times: tuple[str, ...], every_day: str) -> None:
    for label in times:
        await chat.tap(label)
    await chat.tap(every_day)  # the days end the times' step


@pytest.mark.postgresql
async def test_coordinator_enrols_a_resident_who_sees_the_chain_and_agrees(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    mei_row, _lin_row, _tao_row = await people(linli, telegram)
    lin, mei, tao = telegram.users[COORDINATOR], telegram.users[RESIDENT], telegram.users[VOLUNTEER]

    await lin.send_command("/enrol")
    assert "Who should get daily check-ins?" in lin.last.text
    await lin.tap("Mei Chen")
    question = lin.last.message_id
    await lin.tap("09:00")
    await lin.tap("18:00")
    assert {"✅ 09:00", "✅ 18:00", "08:00"} <= set(labels(lin.message(question)))
    await lin.tap("📅 Every day")
    assert "09:00, 18:00" in lin.message(question).text  # what was chosen stays visible
    assert "every day" in lin.message(question).text
    assert "Which volunteers" in lin.last.text
    await lin.tap("Tao Wang")
    await lin.tap("☎️ Someone to phone as well")
    assert "emergency contact" in lin.last.text
    await lin.send_text("Li Na 139 1234 5678")
    assert "Added: Li Na, +86 139 1234 5678." in lin.last.text  # the number read back
    await lin.tap("➡️ Continue")

    summary = lin.last.text
    assert "Daily check-ins for Mei Chen" in summary
    assert "Times: 09:00, 18:00" in summary and "Days: every day" in summary
    order = [
        summary.index(s)
        for s in ("Tao Wang, volunteer", "coordinators", "Li Na, +86 139 1234 5678")
    ]
    assert order == sorted(order)
    await lin.tap("📨 Send to Mei Chen to agree")
    assert "Sent to Mei Chen" in lin.last.text
    assert (await plan_of(linli, mei_row)).status is CheckinPlanStatus.PROPOSED  # type: ignore[union-attr]

    proposal = await mei.wait_for_message(has("Daily check-in"))
    assert "Lin, a community coordinator" in proposal.text
    assert "09:00, 18:00" in proposal.text and "every day" in proposal.text
    for who in ("1. 🤝 Tao Wang, volunteer", "2. 👥 The community coordinators", "3. ☎️ Li Na"):
        assert who in proposal.text
    assert "1234 5678" not in proposal.text and "12345678" not in proposal.text  # names only
    await mei.tap("✅ Yes, start my check-ins")
    assert "Your daily check-ins have started. The first one comes today at 18:00" in mei.last.text

    await lin.wait_for_message(has("Mei Chen agreed to daily check-ins at 09:00, 18:00"))
    plan = await plan_of(linli, mei_row)
    assert plan is not None and plan.status is CheckinPlanStatus.ACTIVE
    assert plan.times == ["09:00", "18:00"] and plan.weekdays == [0, 1, 2, 3, 4, 5, 6]
    assert await chain_kinds(linli, plan) == [
        (ContactKind.VOLUNTEER, "Tao Wang"),
        (ContactKind.COORDINATORS, ""),
        (ContactKind.PHONE, "Li Na"),
    ]
    assert not tao.messages  # the volunteer is told only if she does not answer


async def test_a_resident_enrols_herself_in_chinese(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    wang = await person(
        linli, telegram, RESIDENT, UserRole.RESIDENT, name="王秀英", locale="zh_Hans"
    )
    await person(linli, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin")
    chat, lin = telegram.users[RESIDENT], telegram.users[COORDINATOR]

    await chat.send_command("/start")
    await chat.tap_reply("🔔 每日问候")
    assert "每日问候" in chat.last.text
    await chat.tap("🔔 好的，帮我设置")
    await choose_times_and_days(chat, ("08:00", "20:00"), "📅 每天")
    assert "社区工作人员" in chat.last.text  # the coordinators are always told
    await chat.send_text("女儿 李娜 13912345678")
    await chat.tap("➡️ 继续")
    proposal = chat.last
    assert "08:00、20:00" in proposal.text and "李娜" in proposal.text  # 、 between items
    assert "1234 5678" not in proposal.text and "12345678" not in proposal.text
    await chat.tap("✅ 好，开始每日问候")
    assert "每日问候已经开始" in chat.last.text
    for message in chat.messages:
        assert not english_words(message.text), message.text
        for label in labels(message):
            assert not english_words(label), label

    plan = await plan_of(linli, wang)
    assert plan is not None and plan.status is CheckinPlanStatus.ACTIVE
    assert plan.created_by_id == wang.id
    assert await chain_kinds(linli, plan) == [
        (ContactKind.COORDINATORS, ""),
        (ContactKind.PHONE, "女儿 李娜"),
    ]
    await lin.wait_for_message(has("王秀英 agreed to daily check-ins at 08:00, 20:00"))


async def test_away_for_a_week_sends_nothing_and_starts_again_by_itself(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    mei_row, lin_row, _tao = await people(linli, telegram)
    await enrolled(linli, mei_row, lin_row, ["09:00"])
    mei = telegram.users[RESIDENT]

    await mei.send_text("🔔 Daily check-in")
    assert "Your daily check-in" in mei.last.text and "09:00" in mei.last.text
    await mei.tap("✈️ I'm away")
    await mei.tap("For a week")
    assert "back on Mon 9 Mar" in mei.last.text
    plan = await plan_of(linli, mei_row)
    assert plan is not None
    assert plan.paused_until == datetime(2026, 3, 8, 16, 0, tzinfo=UTC)  # 9 March 00:00 local

    await mei.send_text("🔔 Daily check-in")
    assert "You are away" in mei.last.text and "▶️ I'm back" in labels(mei.last)

    for _day in range(6):  # Tuesday to Sunday: due every morning, never sent
        clock.advance(timedelta(days=1))
        await scheduler(linli).tick()
    assert not any(CHECKIN_SENT in m.text for m in mei.messages)

    clock.set(datetime(2026, 3, 9, 1, 1, tzinfo=UTC))  # Monday 3/9, 09:01 local
    await scheduler(linli).tick()
    await mei.wait_for_message(has(CHECKIN_SENT), timeout=10)
    async with linli.app.session_factory() as session:
        statuses = list(await session.scalars(select(Checkin.status).order_by(Checkin.id)))
    assert statuses[:-1] == [CheckinStatus.PAUSED] * 6 and statuses[-1] is CheckinStatus.WAITING


@pytest.mark.postgresql
async def test_board_shows_each_group_and_a_proxy_check_in_closes_the_day(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    lin_row = await person(linli, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin")
    ann = await person(linli, telegram, 511, UserRole.RESIDENT, name="Ann Escalated")
    bob = await person(linli, telegram, 512, UserRole.RESIDENT, name="Bob Waiting")
    cai = await person(linli, telegram, 513, UserRole.RESIDENT, name="Cai Away")
    dee = await person(linli, telegram, 514, UserRole.RESIDENT, name="Dee Fine")
    tao = await person(linli, telegram, VOLUNTEER, UserRole.VOLUNTEER, name="Tao Wang")
    paired = (ContactDraft(ContactKind.VOLUNTEER, user_id=tao.id),)
    await enrolled(linli, ann, lin_row, ["17:30"])
    await enrolled(linli, bob, lin_row, ["18:00", "20:00"], contacts=paired)
    await enrolled(linli, cai, lin_row, ["18:00"])
    await enrolled(linli, dee, lin_row, ["18:00"])
    lin = telegram.users[COORDINATOR]
    await lin.send_command("/start")  # the coordinator's menu

    clock.advance(timedelta(minutes=31))  # 17:31: Ann is asked
    await scheduler(linli).tick()
    clock.advance(timedelta(minutes=30))  # 18:01: Ann is reminded, the others are asked
    await scheduler(linli).tick()
    await telegram.users[514].wait_for_message(has(CHECKIN_SENT), timeout=10)
    await telegram.users[514].tap("I'm fine 👍")
    await telegram.users[513].send_text("🔔 Daily check-in")
    await telegram.users[513].tap("✈️ I'm away")
    await telegram.users[513].tap("Until tomorrow")
    clock.advance(timedelta(minutes=30))  # 18:31: Ann's list is told; Bob is only reminded
    await scheduler(linli).tick()
    await lin.wait_for_message(has("Ann Escalated has not answered"), timeout=10)

    await lin.tap_reply("📋 Check-ins today")
    board = lin.last
    assert "🚨 Not answered, people told: 1" in board.text
    assert "⏳ Waiting for an answer: 1" in board.text
    assert "✈️ Away: 1" in board.text and "✅ Answered: 1" in board.text
    groups = board.text.split("\n\n")
    assert any(g.startswith("🚨") and "Ann Escalated" in g for g in groups)
    assert any(g.startswith("⏳") and "Bob Waiting" in g for g in groups)
    assert any(g.startswith("✈️") and "Cai Away" in g for g in groups)
    assert any(g.startswith("✅") and "Dee Fine" in g for g in groups)
    assert labels(board) == [
        "☎️ Ann Escalated: checked in for them",
        "☎️ Bob Waiting: checked in for them",
    ]

    # the volunteer on Bob's list sees Bob (only) and checks in for him
    volunteer = telegram.users[VOLUNTEER]
    await volunteer.send_command("/checkins")
    assert "Bob Waiting" in volunteer.last.text and "Ann" not in volunteer.last.text
    await volunteer.tap("☎️ Bob Waiting: checked in for them")
    assert "Did you reach Bob Waiting today" in volunteer.last.text
    await volunteer.tap("✅ Yes, all is well")
    assert "Noted: Bob Waiting is well today" in volunteer.last.text
    yes = CheckinProxy(action="yes", resident_id=bob.id).pack()
    await volunteer.press_data(yes, message_id=volunteer.last.message_id)  # a double tap
    assert "Already noted today" in volunteer.callback_answers[-1].text
    # ...but not for Ann, whose list he is not on
    await volunteer.press_data(
        CheckinProxy(action="yes", resident_id=ann.id).pack(), volunteer.last.message_id
    )
    assert "Only coordinators" in volunteer.callback_answers[-1].text

    # the coordinator checks in for Ann: everyone alerted hears it
    await lin.tap("☎️ Ann Escalated: checked in for them", message_id=board.message_id)
    await lin.tap("✅ Yes, all is well")
    await lin.wait_for_message(has("Lin checked in on behalf of Ann Escalated"), timeout=10)
    async with linli.app.session_factory() as session:
        closed = {c.resident_id: c.status for c in await session.scalars(select(Checkin))}
    assert closed[ann.id] is CheckinStatus.PROXY and closed[bob.id] is CheckinStatus.PROXY

    clock.advance(timedelta(hours=1, minutes=30))  # 20:11: Bob's second check-in is not sent
    await scheduler(linli).tick()
    bob_chat = telegram.users[512]
    assert sum(CHECKIN_SENT in m.text for m in bob_chat.messages) == 1
    await lin.send_command("/checkins")
    assert "✅ Answered: 3" in lin.last.text


async def test_bad_input_changes_nothing(linli: RunningBot, telegram: FakeBotAPI) -> None:
    mei_row, _lin_row, _tao = await people(linli, telegram)
    lin, mei = telegram.users[COORDINATOR], telegram.users[RESIDENT]
    await lin.send_command("/enrol")
    await lin.tap("Mei Chen")

    await lin.send_text("whenever suits her")
    assert "Please tap the times you want" in lin.last.text
    assert "08:00" in labels(lin.last)  # the question again, with its buttons
    await lin.send_sticker()
    assert "Please tap one of the buttons below" in lin.last.text and "08:00" in labels(lin.last)
    await lin.send_text("23:30")
    assert "at night" in lin.last.text
    await lin.send_text("14:30")
    assert "✅ 14:30" in labels(lin.last)
    await lin.tap("📅 Every day")
    await lin.tap("☎️ Someone to phone as well")  # no volunteer
    await lin.send_text("Li Na " + "x" * 4000 + " 13912345678")
    assert "too long" in lin.last.text
    await lin.send_sticker()
    assert "emergency contact" in lin.last.text
    await lin.send_text("Li Na 13912345678")
    await lin.tap("➡️ Continue")
    summary = lin.last.message_id

    # a resident forging the coordinator's buttons changes nothing
    await mei.send_text("🔔 Daily check-in")
    forged = CheckinSetupStep(action="who", value=str(mei_row.id)).pack()
    await mei.press_data(forged, message_id=mei.last.message_id)
    assert "Only community coordinators" in mei.callback_answers[-1].text
    send = CheckinSetupStep(action="send").pack()
    await mei.press_data(send, message_id=mei.last.message_id)
    assert "Only community coordinators" in mei.callback_answers[-1].text
    assert await plan_of(linli, mei_row) is None

    await lin.tap("📨 Send to Mei Chen to agree", message_id=summary)
    proposal = await mei.wait_for_message(has("Do you agree?"))
    await mei.tap("✅ Yes, start my check-ins", message_id=proposal.message_id)
    plan = await plan_of(linli, mei_row)
    assert plan is not None and plan.status is CheckinPlanStatus.ACTIVE
    agreed_at = plan.agreed_at

    # a double tap on "agree", and a stale "decline": answered kindly, nothing changes
    proposed = CheckinPlanAction(action="agree", plan_id=plan.id, stamp=stamp_of(plan))
    await mei.press_data(proposed.pack(), message_id=proposal.message_id)
    assert "already said yes" in mei.callback_answers[-1].text
    decline = CheckinPlanAction(action="decline", plan_id=plan.id, stamp=stamp_of(plan))
    await mei.press_data(decline.pack(), message_id=proposal.message_id)
    again = await plan_of(linli, mei_row)
    assert again is not None and again.status is CheckinPlanStatus.ACTIVE
    assert again.agreed_at == agreed_at
    await lin.wait_for_message(has("agreed to daily check-ins"))
    assert sum("agreed to daily check-ins" in m.text for m in lin.messages) == 1

    # someone else's plan buttons: not hers to press
    await person(linli, telegram, 503, UserRole.RESIDENT, name="Kai")
    kai = telegram.users[503]
    await kai.send_text("🔔 Daily check-in")
    stop = CheckinPlanAction(action="stopyes", plan_id=plan.id).pack()
    await kai.press_data(stop, message_id=kai.last.message_id)
    assert "not for you" in kai.callback_answers[-1].text
    assert (await plan_of(linli, mei_row)).status is CheckinPlanStatus.ACTIVE  # type: ignore[union-attr]

    # the menu still works in the middle of a step, and /cancel leaves nothing behind
    await kai.tap("🔔 Yes, set it up")
    await kai.send_text("🙋 I need help")
    assert "What do you need help with?" in kai.last.text
    await kai.send_command("/cancel")
    await kai.send_text("🔔 Daily check-in")
    await kai.tap("🔔 Yes, set it up")
    await kai.send_command("/cancel")
    assert "Nothing was changed" in kai.last.text
    await kai.send_text("09:00")
    assert "did not understand" in kai.last.text


def test_a_board_of_hundreds_fits_in_one_message() -> None:
    """300 households with long names: the board stays under Telegram's 4096 characters, each
    group says how many more there are, and at most ten buttons are drawn."""
    i18n = create_i18n("en")
    states = [BoardState.ESCALATED, BoardState.PENDING, BoardState.PAUSED, BoardState.ANSWERED]
    lines = [
        BoardLine(User(id=n, display_name=f"Resident number {n} " + "z" * 60), states[n % 4], None)
        for n in range(300)
    ]
    with i18n.context(), i18n.use_locale("en"):
        text = board_text(lines, datetime(2026, 3, 2).date())
        keyboard = board_keyboard(lines)
    assert len(text) < 4096
    assert text.count("more") == 4 and "+" in text
    assert keyboard is not None and len(keyboard.inline_keyboard) == 10


async def test_choosing_among_many_residents_by_page_or_by_name(
    linli: RunningBot, telegram: FakeBotAPI
) -> None:
    lin_row = await person(linli, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin")
    residents = [
        await person(linli, telegram, 700 + n, UserRole.RESIDENT, name=f"Resident {n}")
        for n in range(10)
    ]
    enrolled_one = await person(linli, telegram, 799, UserRole.RESIDENT, name="Resident Zed")
    await enrolled(linli, enrolled_one, lin_row, ["09:00"])
    lin = telegram.users[COORDINATOR]

    await lin.send_command("/enrol")
    page = lin.last.message_id
    names = [label for label in labels(lin.last) if label.startswith("👤")]
    assert len(names) == 8 and "Next ➡️" in labels(lin.last)
    await lin.tap("Next ➡️")
    second = labels(lin.message(page))
    assert [n for n in second if n.startswith("👤")] == [
        "👤 Resident 8 · Building 5",
        "👤 Resident 9 · Building 5",
    ]  # "Resident Zed" already has check-ins
    assert "⬅️ Previous" in second
    await lin.send_text("dent 3")
    assert "Names with “dent 3”: 1" in lin.last.text
    await lin.tap("Resident 3")
    assert "At what times should I ask Resident 3" in lin.last.text

    # enrolled by someone else while the list was open: the service refuses, kindly
    await lin.send_command("/enrol")
    await enrolled(linli, residents[0], lin_row, ["09:00"])
    await lin.tap("Resident 0")
    assert "Resident 0 already has daily check-ins" in lin.callback_answers[-1].text
    assert "At what times" not in lin.last.text
