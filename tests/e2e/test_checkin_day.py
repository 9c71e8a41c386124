"""A full day of check-ins, told as the people in it see it: a resident who answers, one who
answers late, one who never answers (the chain is walked to the end), one who is away, one
whom the coordinator called; then a restart after two hours down. Time moves by the clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.callbacks import CheckinAlertAction, CheckinAnswer
from bot.clock import ManualClock
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Priority
from bot.emulator.groups import GroupChat
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.scheduling.scheduler import Scheduler
from bot.services import checkins
from bot.services.schedule import QuietHours
from storage.models import Checkin, CheckinEvent, CheckinStatus, ContactKind, User, UserRole
from tests.e2e.community import COORDINATORS_CHAT, running_community
from tests.e2e.harness import RunningBot
from tests.people import make_person

LIN = 700  # coordinator
TAO = 701  # volunteer paired with Mrs Wang and Mr Zhou
ANN, BO, WANG, DU, ZHOU = 711, 712, 713, 714, 715
WANG_PHONE = "13900001111"
WANG_PHONE_SHOWN = "+86 139 0000 1111"  # dialable, as the bot writes it
WANG_ADDRESS = "Room 402, Building 7"
DAUGHTER_PHONE = "13500002222"
DAUGHTER_PHONE_SHOWN = "+86 135 0000 2222"
# 09:00 in Shanghai is 01:00 UTC; the day starts at 08:00 local.
MORNING = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
CHECKIN_LABEL = "Are you all right?"
ALERT_LABEL = "has not answered the check-in"


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(MORNING)
    async with running_community(telegram, database_url, clock) as running:
        yield running


async def enrol(
    linli: RunningBot,
    telegram_id: int,
    name: str,
    *,
    volunteer: bool = False,
    daughter: bool = False,
    **details: str,
) -> User:
    """A resident enrolled at 09:00 every day by Lin, who has agreed to it."""
    telegram = linli.api
    telegram.user(telegram_id, first_name=name, language_code="en")
    async with linli.app.session_factory() as session:
        lin = await session.scalar(select(User).where(User.telegram_id == LIN))
        tao = await session.scalar(select(User).where(User.telegram_id == TAO))
        assert lin is not None and tao is not None
        resident = await make_person(
            session, linli.clock, telegram_id, UserRole.RESIDENT, name=name, **details
        )
        contacts = []
        if volunteer:
            contacts.append(checkins.ContactDraft(ContactKind.VOLUNTEER, user_id=tao.id))
        if daughter:
            contacts.append(checkins.phone_contact("Li Hong", DAUGHTER_PHONE))
        plan = await checkins.propose_plan(
            session,
            lin,
            resident,
            times=["09:00"],
            contacts=contacts,
            quiet=QuietHours.parse("22:00-07:00"),
            clock=linli.clock,
        )
        await checkins.agree_to_plan(session, resident, plan.id, clock=linli.clock)
        await session.commit()
        return resident


async def people(linli: RunningBot) -> GroupChat:
    telegram = linli.api
    telegram.user(LIN, first_name="Lin", language_code="en")
    telegram.user(TAO, first_name="Tao", language_code="en")
    async with linli.app.session_factory() as session:
        await make_person(session, linli.clock, LIN, UserRole.COORDINATOR, name="Lin")
        await make_person(session, linli.clock, TAO, UserRole.VOLUNTEER, name="Tao")
        await session.commit()
    return telegram.group(COORDINATORS_CHAT, "Coordinators", members=[LIN])


async def at(linli: RunningBot, clock: ManualClock, hour: int, minute: int = 0) -> int:
    """Move the clock to hh:mm Shanghai time on the first day and let the scheduler tick."""
    clock.set(MORNING + timedelta(hours=hour - 8, minutes=minute))
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    return await scheduler.tick()


def said(chat: ChatUser | GroupChat, words: str) -> list[str]:
    return [m.text for m in chat.messages if words in (m.text or "")]


async def statuses(linli: RunningBot) -> dict[str, CheckinStatus]:
    async with linli.app.session_factory() as session:
        rows = await session.execute(
            select(User.display_name, Checkin.status)
            .join(Checkin, Checkin.resident_id == User.id)
            .order_by(Checkin.id)
        )
        return {str(name): status for name, status in rows.all()}


@pytest.mark.postgresql
async def test_a_full_day_of_check_ins(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    linli = community
    coordinators = await people(linli)
    tao = telegram.users[TAO]
    await enrol(linli, ANN, "Ann")
    await enrol(linli, BO, "Bo", volunteer=True)
    await enrol(
        linli,
        WANG,
        "Mrs Wang",
        volunteer=True,
        daughter=True,
        phone=WANG_PHONE,
        address=WANG_ADDRESS,
    )
    du = await enrol(linli, DU, "Du")
    zhou = await enrol(linli, ZHOU, "Zhou")

    # Du is away until the day after tomorrow; Lin called Mr Zhou this morning.
    async with linli.app.session_factory() as session:
        du = await session.get(User, du.id)
        lin = await session.scalar(select(User).where(User.telegram_id == LIN))
        assert du is not None and lin is not None
        await checkins.pause_until(session, du, date(2026, 3, 4), clock=clock)
        await checkins.check_in_for(
            session, lin, zhou.id, kind="call", settings=linli.settings, clock=clock
        )
        await session.commit()

    assert await at(linli, clock, 8, 59) == 0
    await at(linli, clock, 9, 0)
    ann, bo, wang = telegram.users[ANN], telegram.users[BO], telegram.users[WANG]
    for resident in (ann, bo, wang):
        checkin = await resident.wait_for_message(lambda m: CHECKIN_LABEL in m.text, timeout=10)
        assert checkin.buttons == [["I'm fine 👍"], ["I need help 🙋"]]
    await linli.outbox_drained()
    assert not said(telegram.users[DU], CHECKIN_LABEL), "Du is away"
    assert not said(telegram.users[ZHOU], CHECKIN_LABEL), "Lin's call counted"

    # Ann answers at once.
    await ann.tap("I'm fine 👍")
    assert "Glad you are well" in ann.messages[-1].text

    # Half an hour later, the two who have not answered are reminded.
    await at(linli, clock, 9, 30)
    await bo.wait_for_message(lambda m: "not heard from you yet" in m.text, timeout=10)
    await wang.wait_for_message(lambda m: "not heard from you yet" in m.text, timeout=10)
    assert not said(ann, "not heard from you yet")

    # At 10:00 their paired volunteer Tao is alerted, with where to go.
    await at(linli, clock, 10, 0)
    await telegram.wait_until(
        lambda: said(tao, "Bo " + ALERT_LABEL) and said(tao, "Mrs Wang " + ALERT_LABEL),
        timeout=10,
    )
    wang_alert = next(m for m in tao.messages if "Mrs Wang " + ALERT_LABEL in m.text)
    assert WANG_ADDRESS in wang_alert.text and WANG_PHONE_SHOWN in wang_alert.text
    assert ["🙋 I'm handling it"] in wang_alert.buttons

    # Bo answers late: the alert clears itself and Tao is told.
    await bo.tap("I'm fine 👍")
    await tao.wait_for_message(lambda m: "Bo has answered the check-in" in m.text, timeout=10)

    # Mrs Wang never answers: the coordinators at 11:00, her daughter (by phone) at 12:00,
    # and at 13:00 the coordinators hear that nobody has reached her.
    await at(linli, clock, 11, 0)
    group_alert = await coordinators.wait_for_message(
        lambda m: "Mrs Wang " + ALERT_LABEL in m.text, timeout=10
    )
    assert "Li Hong" not in group_alert.text
    await at(linli, clock, 12, 0)
    daughter = await coordinators.wait_for_message(lambda m: "Li Hong" in m.text, timeout=10)
    assert DAUGHTER_PHONE_SHOWN in daughter.text
    await at(linli, clock, 13, 0)
    await coordinators.wait_for_message(lambda m: "Nobody has reached Mrs Wang" in m.text)
    assert await at(linli, clock, 16, 0) == 0, "the chain ends there"
    assert not said(tao, "Nobody has reached")

    # Tao goes round: "I'm handling it", then "Reached them, all well". Lin hears both.
    await tao.tap("🙋 I'm handling it", message_id=wang_alert.message_id)
    await coordinators.wait_for_message(lambda m: "Tao is handling Mrs Wang" in m.text)
    await tao.tap("✅ Reached them, all well", message_id=wang_alert.message_id)
    await coordinators.wait_for_message(lambda m: "Tao reached Mrs Wang" in m.text)

    assert await statuses(linli) == {
        "Ann": CheckinStatus.FINE,
        "Bo": CheckinStatus.FINE,
        "Mrs Wang": CheckinStatus.REACHED,
        "Du": CheckinStatus.PAUSED,
        "Zhou": CheckinStatus.COVERED,
    }
    async with linli.app.session_factory() as session:
        wang_row = await session.scalar(select(User).where(User.telegram_id == WANG))
        assert wang_row is not None
        steps = await session.scalars(
            select(CheckinEvent.action)
            .join(Checkin, Checkin.id == CheckinEvent.checkin_id)
            .where(Checkin.resident_id == wang_row.id)
            .order_by(CheckinEvent.id)
        )
        assert list(steps) == [
            "sent",
            "reminded",
            "alerted",
            "alerted",
            "alerted",
            "chain_end",
            "handling",
            "reached",
        ]

    # Every step was sent once: each resident got one check-in and at most one reminder.
    for resident in (ann, bo, wang):
        assert len(said(resident, CHECKIN_LABEL)) == 1
    assert len(said(wang, "not heard from you yet")) == 1

    # The alert's buttons are gone; a late tap from another device changes nothing, and a
    # resident cannot press a chain's button.
    async with linli.app.session_factory() as session:
        wang_checkin = await session.scalar(
            select(Checkin.id).where(Checkin.status == CheckinStatus.REACHED)
        )
    stale = CheckinAlertAction(action="no", checkin_id=wang_checkin or 0).pack()
    await tao.press_data(stale, message_id=wang_alert.message_id)
    assert "already answered" in (tao.callback_answers[-1].text or "")
    await ann.press_data(
        CheckinAlertAction(action="take", checkin_id=wang_checkin or 0).pack(),
        message_id=ann.messages[-1].message_id,
    )
    assert "not for you" in (ann.callback_answers[-1].text or "")
    assert (await statuses(linli))["Mrs Wang"] is CheckinStatus.REACHED


async def test_need_help_alerts_everyone_at_once(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    linli = community
    coordinators = await people(linli)
    await enrol(linli, WANG, "Mrs Wang", volunteer=True, phone=WANG_PHONE, address=WANG_ADDRESS)
    await at(linli, clock, 9, 0)
    wang = telegram.users[WANG]
    await wang.wait_for_message(lambda m: CHECKIN_LABEL in m.text, timeout=10)
    await wang.tap("I need help 🙋")
    assert "We are on it" in wang.messages[-1].text
    tao = telegram.users[TAO]
    told = await tao.wait_for_message(lambda m: "I need help" in m.text, timeout=10)
    assert WANG_ADDRESS in told.text
    await coordinators.wait_for_message(lambda m: "I need help" in m.text, timeout=10)
    # A double tap (from another device: the buttons are gone here) changes nothing.
    async with linli.app.session_factory() as session:
        checkin_id = await session.scalar(select(Checkin.id))
    await wang.press_data(
        CheckinAnswer(answer="help", checkin_id=checkin_id or 0).pack(),
        message_id=wang.messages[0].message_id,
    )
    assert "already answered" in (wang.callback_answers[-1].text or "")
    # No reminder or alert follows an answer (the urgent request has its own follow-up).
    await at(linli, clock, 11, 0)
    await linli.outbox_drained()
    assert not said(wang, "not heard from you yet")
    assert not said(tao, ALERT_LABEL)
    assert (await statuses(linli))["Mrs Wang"] is CheckinStatus.HELP


@pytest.mark.postgresql
async def test_restart_after_two_hours_down_does_every_overdue_step_once(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    linli = community
    await people(linli)
    await enrol(linli, ANN, "Ann")
    await enrol(linli, WANG, "Mrs Wang", volunteer=True, phone=WANG_PHONE, address=WANG_ADDRESS)
    await at(linli, clock, 8, 0)
    await linli.stop()
    clock.set(MORNING + timedelta(hours=2, minutes=1))  # 10:01: the 09:00 check-in never went
    await linli.start()
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    acted = await asyncio.gather(scheduler.tick(), scheduler.tick())
    # The two ticks share the work (one may take both, or each one): nothing is done twice.
    assert sum(acted) == 2, "each check-in sent once, by one of the two ticks"
    ann, wang = telegram.users[ANN], telegram.users[WANG]
    await ann.wait_for_message(lambda m: CHECKIN_LABEL in m.text, timeout=10)
    await wang.wait_for_message(lambda m: CHECKIN_LABEL in m.text, timeout=10)
    await linli.outbox_drained()
    assert [
        len([m for m in person.messages if CHECKIN_LABEL in m.text]) for person in (ann, wang)
    ] == [1, 1]

    # Down again for two hours after it was sent: the reminder and the first alert are both
    # overdue at restart; each happens once.
    await linli.stop()
    clock.advance(timedelta(hours=2))
    await linli.start()
    scheduler = linli.app.dispatcher["scheduler"]
    acted = await asyncio.gather(scheduler.tick(), scheduler.tick())
    assert sum(acted) == 4  # a reminder each, and an alert to Tao for each
    tao = telegram.users[TAO]
    await tao.wait_for_message(lambda m: "Mrs Wang " + ALERT_LABEL in m.text, timeout=10)
    await linli.outbox_drained()
    assert len(said(wang, "not heard from you yet")) == 1
    assert len(said(tao, "Mrs Wang " + ALERT_LABEL)) == 1
    assert len(said(ann, CHECKIN_LABEL)) == 1


async def test_could_not_reach_them_alerts_the_next_person_at_once(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    linli = community
    coordinators = await people(linli)
    await enrol(linli, BO, "Bo", volunteer=True)
    await at(linli, clock, 9, 0)
    await at(linli, clock, 10, 0)
    tao = telegram.users[TAO]
    alert = await tao.wait_for_message(lambda m: "Bo " + ALERT_LABEL in m.text, timeout=10)
    await tao.tap("📵 Could not reach them", message_id=alert.message_id)
    # No tick needed: the coordinators are alerted now, and hear that Tao tried.
    await telegram.wait_until(
        lambda: (
            said(coordinators, "Bo " + ALERT_LABEL) and said(coordinators, "Tao could not reach Bo")
        ),
        timeout=10,
    )
    # The 11:00 tick does not alert them twice; at 12:00 the chain has ended.
    await at(linli, clock, 11, 0)
    await at(linli, clock, 11, 59)
    await linli.outbox_drained()
    assert len(said(coordinators, "Bo " + ALERT_LABEL)) == 1


async def test_coordinators_hear_when_an_enrolled_elder_blocks_the_bot(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    linli = community
    coordinators = await people(linli)
    await enrol(linli, WANG, "Mrs Wang", phone=WANG_PHONE, address=WANG_ADDRESS)
    await enrol(linli, ANN, "Ann")
    wang = telegram.users[WANG]
    await wang.block_bot()
    await at(linli, clock, 8, 30)
    told = await coordinators.wait_for_message(lambda m: "has blocked the bot" in m.text)
    assert "Mrs Wang" in told.text and WANG_PHONE_SHOWN in told.text
    await at(linli, clock, 8, 45)
    await linli.outbox_drained()
    assert len(said(coordinators, "has blocked the bot")) == 1, "told once"
    # Her check-in cannot reach her, so it goes unanswered and the chain is alerted as usual.
    await at(linli, clock, 9, 0)
    await at(linli, clock, 10, 0)
    await coordinators.wait_for_message(lambda m: "Mrs Wang " + ALERT_LABEL in m.text)
    # Unblocked and blocked again: told again.
    await wang.unblock_bot()
    await at(linli, clock, 10, 5)
    await wang.block_bot()
    await at(linli, clock, 10, 10)
    await telegram.wait_until(lambda: len(said(coordinators, "has blocked the bot")) == 2)


async def test_a_notice_to_a_resident_at_night_waits_for_the_morning(
    community: RunningBot, telegram: FakeBotAPI, clock: ManualClock
) -> None:
    linli = community
    await people(linli)
    resident = await enrol(linli, ANN, "Ann")
    ann = telegram.users[ANN]
    clock.set(MORNING + timedelta(hours=15))  # 23:00 in Shanghai

    async def notice(text: str, priority: Priority) -> None:
        async with linli.app.session_factory() as session:
            notifier = Notifier(session, linli.settings, clock, linli.app.dispatcher["i18n"])
            await notifier.tell_user(
                resident, lambda: (text, None), kind="notice", priority=priority
            )
            await session.commit()
        linli.app.dispatcher["outbox"].wake()

    await notice("Tao is coming tomorrow", Priority.NOTICE)
    await notice("Urgent: water is cut", Priority.URGENT)
    await ann.wait_for_message(lambda m: "water is cut" in m.text, timeout=10)
    await linli.outbox_drained()
    assert not said(ann, "Tao is coming"), "nothing non-urgent at night"
    clock.set(MORNING + timedelta(hours=23, minutes=1))  # 07:01 the next morning
    linli.app.dispatcher["outbox"].wake()
    await ann.wait_for_message(lambda m: "Tao is coming tomorrow" in m.text, timeout=10)
