"""Conversations of paired visits: a coordinator pairs a volunteer with a resident (/pair); the
scheduler (its tick called by hand while the clock moves) reminds the volunteer the day before
and an hour before and tells the resident who is coming; the volunteer confirms or cannot come,
and logs the visit in two taps. Unlogged visits and two low wellbeing scores in a row reach the
coordinators' group, once, even across a restart. After each test, no message showed the
resident's address or phone to anyone who may not see it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.callbacks import PairStep, VisitAction
from bot.clock import ManualClock
from bot.emulator.groups import GroupChat
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.scheduling.scheduler import Scheduler
from bot.services import checkins, visits
from bot.services.schedule import QuietHours
from bot.services.visits import Schedule
from storage.models import (
    CheckinPlan,
    User,
    UserRole,
    Visit,
    VisitCadence,
    VisitStatus,
)
from tests.e2e.community import (
    COORDINATORS_CHAT,
    RESIDENT_ADDRESS,
    RESIDENT_PHONE_SHOWN,
    person,
    resident_and_coordinator,
)
from tests.e2e.harness import RunningBot
from tests.e2e.steps import has

RESIDENT, COORDINATOR, VOLUNTEER, STRANGER = 501, 502, 503, 504
VISIT_AT = datetime(2026, 3, 9, 2, tzinfo=UTC)  # Monday 10:00 in Shanghai, a week after the start
DAY_BEFORE = VISIT_AT - timedelta(days=1)
HOUR_BEFORE = VISIT_AT - timedelta(hours=1)
STALE = "This button is no longer active. Please use the latest message."


def _scheduler(linli: RunningBot) -> Scheduler:
    return linli.app.dispatcher["scheduler"]


async def _cast(linli: RunningBot, telegram: FakeBotAPI) -> tuple[User, User, User, GroupChat]:
    resident, coordinator = await resident_and_coordinator(linli, telegram, RESIDENT, COORDINATOR)
    volunteer = await person(linli, telegram, VOLUNTEER, UserRole.VOLUNTEER, name="Tao Wang")
    group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[COORDINATOR])
    return resident, coordinator, volunteer, group


async def _pair(linli: RunningBot, telegram: FakeBotAPI) -> tuple[int, GroupChat]:
    """Mei is paired with Tao (weekly, Mondays 10:00, code "bamboo") without the conversation;
    returns the first visit's id."""
    resident, coordinator, volunteer, group = await _cast(linli, telegram)
    async with linli.app.session_factory() as session:
        _, visit = await visits.create_pairing(
            session,
            coordinator,
            resident_id=resident.id,
            volunteer_id=volunteer.id,
            schedule=Schedule(VisitCadence.WEEKLY, "10:00", weekday=0),
            safety_code="bamboo",
            settings=linli.settings,
            clock=linli.clock,
        )
        await session.commit()
    return visit.id, group


async def _tick_at(linli: RunningBot, clock: ManualClock, moment: datetime) -> int:
    clock.set(moment)
    return await _scheduler(linli).tick()


async def _visit(linli: RunningBot, visit_id: int) -> Visit:
    async with linli.app.session_factory() as session:
        visit = await session.get(Visit, visit_id)
        assert visit is not None
        return visit


async def _log(tao: ChatUser, wellbeing: str) -> None:
    """The two taps (after opening the log from the scheduler's question)."""
    await tao.wait_for_message(has("How did it go with Mei Chen"))
    await tao.tap("📝 Log the visit")
    await tao.tap("✅ It happened")
    await tao.tap(wellbeing)


@pytest.mark.postgresql
async def test_a_visit_paired_reminded_confirmed_and_logged_in_two_taps(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    resident, coordinator, _, group = await _cast(community, telegram)
    async with community.app.session_factory() as session:  # Mei has daily check-ins
        mei_row, lin_row = (
            await session.get(User, resident.id),
            await session.get(User, coordinator.id),
        )
        assert mei_row is not None and lin_row is not None
        plan = await checkins.propose_plan(
            session,
            lin_row,
            mei_row,
            times=["18:00"],
            quiet=QuietHours.parse("22:00-07:00"),
            clock=clock,
        )
        await checkins.agree_to_plan(session, mei_row, plan.id, clock=clock)
        await session.commit()
        plan_id = plan.id

    # the coordinator pairs them in a few taps
    coordinator_chat = telegram.users[COORDINATOR]
    await coordinator_chat.send_command("/pair")
    assert "Who is the resident?" in coordinator_chat.last.text
    await coordinator_chat.tap("Mei Chen")
    assert "Who will visit?" in coordinator_chat.last.text
    await coordinator_chat.send_text("tao")  # typing a part of the name finds him
    await coordinator_chat.tap("Tao Wang")
    await coordinator_chat.tap("🏠 A visit every week")
    await coordinator_chat.tap("Monday")
    await coordinator_chat.tap("🕒 10:00")
    assert "safety code" in coordinator_chat.last.text
    await coordinator_chat.send_text("bamboo")
    summary = coordinator_chat.last
    for detail in ("Mei Chen", "Tao Wang", "every week: Monday, 10:00", "bamboo"):
        assert detail in summary.text
    await coordinator_chat.tap("✅ Pair them")
    assert "✅ Paired: Tao Wang with Mei Chen" in coordinator_chat.last.text
    assert "Monday 9 Mar 10:00" in coordinator_chat.last.text

    tao = telegram.users[VOLUNTEER]
    mei = telegram.users[RESIDENT]
    paired = await tao.wait_for_message(has("You are now paired with Mei Chen"))
    assert "bamboo" in paired.text and RESIDENT_ADDRESS not in paired.text
    told = await mei.wait_for_message(has("Tao, a volunteer, will keep in touch"))
    assert "Wang" not in told.text  # the first name only

    # the day before: Tao is reminded (with the code), Mei is told who is coming
    await _tick_at(community, clock, DAY_BEFORE)  # (Mei's check-ins tick too)
    reminder = await tao.wait_for_message(has("Reminder"))
    assert "tomorrow" in reminder.text and "“bamboo”" in reminder.text
    assert reminder.buttons == [["✅ I'll be there"], ["✖️ I can't make it"]]
    coming = await mei.wait_for_message(has("Tomorrow"))
    assert "Tao, a volunteer, will come to see you" in coming.text
    assert "They will say the code “bamboo”" in coming.text
    await tao.tap("✅ I'll be there", message_id=reminder.message_id)
    assert "We count on you" in tao.callback_answers[-1].text
    assert tao.message(reminder.message_id).buttons == [["✖️ I can't make it"]]
    assert "✅ You said you'll be there" in tao.message(reminder.message_id).text

    # an hour before: the address and phone, for him alone (the reveal is in the audit log)
    await _tick_at(community, clock, HOUR_BEFORE)
    soon = await tao.wait_for_message(has("In about an hour"))
    assert RESIDENT_ADDRESS in soon.text and RESIDENT_PHONE_SHOWN in soon.text

    # after the visit: two taps
    await _tick_at(community, clock, VISIT_AT + timedelta(hours=1))
    await _log(tao, "🙂 3 · Well")
    assert "📝 Logged" in tao.last.text and "Time counted: 1 h" in tao.last.text
    await tao.tap("⌨️ Write how long")  # or written as it is said
    await tao.send_text("a good while")
    assert "from 1 to 1440" in tao.last.text and "How long did the visit take" in tao.last.text
    await tao.send_text("三刻钟")
    assert "Time counted: 45 min" in tao.last.text
    await tao.tap("⏱ 1 h 30 min")
    assert "Time counted: 1 h 30 min" in tao.last.text
    await tao.tap("✍️ Add a note")
    await tao.send_text("Knee is better, we had tea")
    assert "Note: Knee is better" in tao.last.text

    await tao.send_command("/hours")
    assert "In total: 1 h 30 min" in tao.last.text
    async with community.app.session_factory() as session:
        plan_row = await session.get(CheckinPlan, plan_id)
        assert plan_row is not None and str(plan_row.covered_on) == "2026-03-09"

    # a day later nothing is flagged: it was logged
    await _tick_at(community, clock, VISIT_AT + timedelta(days=1, hours=1))
    await community.outbox_drained()
    assert not [m for m in group.messages if "Not logged" in m.text]


async def test_a_volunteer_who_cannot_come_tells_the_coordinators_at_once(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    visit_id, group = await _pair(community, telegram)
    tao, mei = telegram.users[VOLUNTEER], telegram.users[RESIDENT]
    await _tick_at(community, clock, DAY_BEFORE)
    reminder = await tao.wait_for_message(has("Reminder"))
    await mei.wait_for_message(has("Tomorrow"))

    await tao.tap("✖️ I can't make it", message_id=reminder.message_id)
    assert "The coordinators know now" in tao.callback_answers[-1].text
    alert = await group.wait_for_message(has("Tao Wang cannot make the"))
    assert "Mei Chen" in alert.text and RESIDENT_ADDRESS not in alert.text
    await mei.wait_for_message(has("cannot come on Monday 9 Mar 10:00 after all"))

    assert "tell the coordinator why" in tao.last.text
    await tao.send_sticker()
    assert "Please write it in a message" in tao.last.text
    await tao.send_text("I have the flu, sorry")
    assert "passed it on" in tao.last.text
    await group.wait_for_message(has("I have the flu"))

    # the old confirm button, pressed again (forged from the reminder), changes nothing
    await tao.press_data(
        VisitAction(action="yes", visit_id=visit_id).pack(), message_id=reminder.message_id
    )
    assert "called off" in tao.callback_answers[-1].text
    assert (await _visit(community, visit_id)).status is VisitStatus.CANCELLED
    # and nothing more is sent for it
    assert await _tick_at(community, clock, VISIT_AT + timedelta(days=2)) == 0


@pytest.mark.postgresql
async def test_an_unlogged_visit_is_flagged_once_even_by_two_ticks_at_once(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    _, group = await _pair(community, telegram)
    tao = telegram.users[VOLUNTEER]
    await _tick_at(community, clock, DAY_BEFORE)
    await _tick_at(community, clock, HOUR_BEFORE)
    await _tick_at(community, clock, VISIT_AT + timedelta(hours=1))
    await tao.wait_for_message(has("How did it go"))

    clock.set(VISIT_AT + timedelta(days=1, minutes=1))
    acted = await asyncio.gather(_scheduler(community).tick(), _scheduler(community).tick())
    assert sorted(acted) == [0, 1]
    flagged = await group.wait_for_message(has("Not logged"))
    assert "Tao Wang" in flagged.text and "Mei Chen" in flagged.text
    await community.outbox_drained()
    assert sum("Not logged" in m.text for m in group.messages) == 1


async def test_two_low_wellbeing_scores_in_a_row_flag_the_resident(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    _, group = await _pair(community, telegram)
    tao = telegram.users[VOLUNTEER]
    await _tick_at(community, clock, VISIT_AT + timedelta(hours=1))
    await _log(tao, "🙁 1 · Poor")
    await community.outbox_drained()
    assert not [m for m in group.messages if "Please look in on" in m.text]

    await _tick_at(community, clock, VISIT_AT + timedelta(days=7, hours=1))  # next Monday
    await _log(tao, "😟 0 · Very poor")
    flagged = await group.wait_for_message(has("Please look in on Mei Chen"))
    assert "0 · Very poor" in flagged.text


async def test_a_restart_in_the_middle_catches_up_once(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    await _pair(community, telegram)
    tao = telegram.users[VOLUNTEER]
    await _tick_at(community, clock, DAY_BEFORE)
    await tao.wait_for_message(has("Reminder"))

    await community.stop()
    clock.set(VISIT_AT - timedelta(minutes=30))  # down through the hour-before reminder
    await community.start()
    acted = await asyncio.gather(_scheduler(community).tick(), _scheduler(community).tick())
    assert sorted(acted) == [0, 1]
    await tao.wait_for_message(has("In about an hour"))
    await community.outbox_drained()
    assert sum("In about an hour" in m.text for m in tao.messages) == 1
    assert sum("Reminder" in m.text for m in tao.messages) == 1


async def test_bad_input_forged_and_stale_buttons_change_nothing(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    visit_id, _ = await _pair(community, telegram)
    lin = telegram.users[COORDINATOR]
    await lin.send_command("/pair")
    await lin.tap("Mei Chen")
    await lin.tap("Tao Wang")
    await lin.send_text("every week please")  # a button is expected
    assert "did not quite understand" in lin.last.text
    assert ["🏠 A visit every month"] in lin.last.buttons  # the question again, to tap right there
    await lin.tap("🏠 A visit every month")
    await lin.send_text("31")
    assert "from 1 to 28" in lin.last.text
    await lin.send_text("5")
    await lin.send_text("half past ten")
    assert "like 10:00" in lin.last.text
    await lin.send_text("10:30")
    await lin.send_sticker()
    assert "write the code in a message" in lin.last.text
    await lin.tap("⏭ No code")
    await lin.tap("✅ Pair them")
    assert "already paired" in lin.last.text  # Mei and Tao were paired before

    # a stranger forges Tao's buttons; a resident forges a coordinator's
    await person(community, telegram, STRANGER, UserRole.VOLUNTEER, name="Sly")
    sly = telegram.users[STRANGER]
    await sly.send_command("/visits")
    assert "no paired visits" in sly.last.text
    for action in ("yes", "no", "log", "wb"):
        await sly.press_data(
            VisitAction(action=action, visit_id=visit_id, value=3).pack(),
            message_id=sly.last.message_id,
        )
        assert "not yours" in sly.callback_answers[-1].text
    mei = telegram.users[RESIDENT]
    await mei.send_command("/pair")
    assert "Only coordinators" in mei.last.text
    await mei.press_data(PairStep(action="go").pack(), message_id=mei.last.message_id)
    assert mei.callback_answers[-1].text == STALE
    await mei.send_command("/visits")
    assert "for volunteers and coordinators" in mei.last.text

    # Tao logs too early, then double-taps the wellbeing
    tao = telegram.users[VOLUNTEER]
    await tao.send_command("/visits")
    await tao.tap("✅ I'll be there")
    await tao.send_text("hello")  # free text where a button is expected
    assert "did not understand" in tao.last.text
    await tao.press_data(
        VisitAction(action="log", visit_id=visit_id).pack(), message_id=tao.last.message_id
    )
    assert "has not happened yet" in tao.callback_answers[-1].text
    await _tick_at(community, clock, VISIT_AT + timedelta(hours=1))
    await _log(tao, "😄 4 · Very well")
    logged = tao.last.message_id
    await tao.press_data(VisitAction(action="wb", visit_id=visit_id, value=0).pack(), logged)
    assert "already logged" in tao.callback_answers[-1].text
    assert (await _visit(community, visit_id)).wellbeing == 4
    await tao.press_data(VisitAction(action="zz", visit_id=visit_id).pack(), logged)
    assert tao.callback_answers[-1].text == STALE
