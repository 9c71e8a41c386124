"""One bad row stops nothing else: a check-in whose message cannot be written (here its
rendering raises for one resident) is set aside and tried again later, each time waiting
longer, while everyone else's check-in goes out in the same tick; after three failed tries the
coordinators hear of it once, and when it works again the resident gets her check-in. The same
for a visit reminder and for the flag of a request that waits too long."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.policy.notify import visits as visit_notices
from bot.services import requests
from bot.services.requests import RequestDraft
from bot.views import checkins as checkin_views
from bot.views import request_notices
from storage.models import RequestCategory, StepFailure, User, UserRole
from tests.e2e import test_visits
from tests.e2e.community import running_community
from tests.e2e.harness import RunningBot
from tests.e2e.steps import has
from tests.e2e.test_checkin_day import ANN, BO, CHECKIN_LABEL, MORNING, WANG, at, enrol, people
from tests.people import make_person

FLAG = "I could not do a daily check-in"


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(MORNING)
    async with running_community(telegram, database_url, clock) as running:
        yield running


async def failures(linli: RunningBot) -> list[StepFailure]:
    async with linli.app.session_factory() as session:
        return list(await session.scalars(select(StepFailure)))


@pytest.mark.postgresql
async def test_a_check_in_that_fails_is_set_aside_retried_and_flagged_once(
    community: RunningBot,
    telegram: FakeBotAPI,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    linli = community
    coordinators = await people(linli)
    await enrol(linli, ANN, "Ann")
    bo = await enrol(linli, BO, "Bo")
    await enrol(linli, WANG, "Mrs Wang")
    real_text = checkin_views.checkin_text

    def breaks_for_bo(resident: User, reminder: bool) -> str:
        if resident.id == bo.id:
            raise ValueError("a broken plan")
        return real_text(resident, reminder)

    monkeypatch.setattr(checkin_views, "checkin_text", breaks_for_bo)

    await at(linli, clock, 9)
    for neighbour in (ANN, WANG):  # the others are not held up by Bo's check-in
        await telegram.users[neighbour].wait_for_message(lambda m: CHECKIN_LABEL in m.text)
    [failure] = await failures(linli)
    assert (failure.job, failure.attempts, failure.reason) == ("checkin", 1, "ValueError")
    assert failure.next_try_at == clock.now() + timedelta(minutes=1)

    await at(linli, clock, 9, 1)  # tried again after a minute, then after four more
    await at(linli, clock, 9, 5)
    flag = await coordinators.wait_for_message(lambda m: FLAG in m.text)
    assert "3 times" in flag.text and "ValueError" in flag.text
    await at(linli, clock, 9, 21)  # a fourth failure: no second flag
    [failure] = await failures(linli)
    assert failure.attempts == 4 and failure.next_try_at == clock.now() + timedelta(minutes=64)

    monkeypatch.setattr(checkin_views, "checkin_text", real_text)  # the plan is mended
    await at(linli, clock, 10, 25)
    await telegram.users[BO].wait_for_message(lambda m: CHECKIN_LABEL in m.text)
    assert await failures(linli) == []
    assert len([m for m in coordinators.messages if FLAG in m.text]) == 1


async def test_a_visit_step_that_fails_goes_back_to_that_step_and_is_tried_again(
    telegram: FakeBotAPI,
    database_url: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_community(telegram, database_url, clock) as linli:
        visit_id, _ = await test_visits._pair(linli, telegram)
        tao = telegram.users[test_visits.VOLUNTEER]
        real_send = visit_notices.step_due

        async def breaks(notifier: object, due: object) -> None:
            raise KeyError("a visit that cannot be told")

        monkeypatch.setattr(visit_notices, "step_due", breaks)
        await test_visits._tick_at(linli, clock, test_visits.DAY_BEFORE)
        [failure] = await failures(linli)
        assert (failure.job, failure.row_id, failure.reason) == ("visit", visit_id, "KeyError")
        visit = await test_visits._visit(linli, visit_id)
        assert visit.next_due_at == test_visits.DAY_BEFORE + timedelta(minutes=1)

        monkeypatch.setattr(visit_notices, "step_due", real_send)
        await test_visits._tick_at(linli, clock, test_visits.DAY_BEFORE + timedelta(minutes=1))
        await tao.wait_for_message(has("Reminder"))  # the same step, told now
        assert await failures(linli) == []


async def test_a_waiting_request_whose_flag_fails_does_not_hold_up_the_others(
    linli: RunningBot, telegram: FakeBotAPI, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with linli.app.session_factory() as session:
        await make_person(session, clock, 600, UserRole.COORDINATOR, name="Lin")
        asked = []
        for telegram_id, wish in ((601, "Milk and bread"), (602, "A lift to the clinic")):
            resident = await make_person(session, clock, telegram_id, UserRole.RESIDENT)
            draft = RequestDraft(category=RequestCategory.SHOPPING, description=wish)
            asked.append(await requests.submit_request(session, resident, draft, clock=clock))
        await session.commit()
    broken_id = asked[0].id
    coordinator = telegram.user(600, first_name="Lin")
    real_card = request_notices.private_card

    def breaks_for_the_first(request: object, resident: object) -> str:
        if getattr(request, "id", None) == broken_id:
            raise LookupError("a request that cannot be drawn")
        return real_card(request, resident)  # type: ignore[arg-type]

    monkeypatch.setattr(request_notices, "private_card", breaks_for_the_first)
    scheduler = linli.app.dispatcher["scheduler"]
    clock.advance(timedelta(hours=4, minutes=1))
    assert await scheduler.tick() == 1
    await coordinator.wait_for_message(lambda m: "A lift to the clinic" in m.text)
    assert await scheduler.tick() == 0  # set aside: not tried again before its time
    [failure] = await failures(linli)
    assert (failure.job, failure.row_id, failure.attempts) == ("request.unclaimed", broken_id, 1)

    monkeypatch.setattr(request_notices, "private_card", real_card)
    clock.advance(timedelta(minutes=1))
    assert await scheduler.tick() == 1
    await coordinator.wait_for_message(lambda m: "Milk and bread" in m.text)
    assert await failures(linli) == []


async def test_a_press_answered_too_late_loses_only_its_pop_up(
    linli: RunningBot, telegram: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram refuses to answer a button press after 15 s ("query is too old"). Here every
    press is already too old when the bot answers it: the resident taps "I need help" and then
    "✅ I agree", and each time the next question still reaches her."""
    ann = telegram.user(70_001, first_name="Ann", language_code="en")
    await ann.send_command("/start")
    telegram.state.callback_timeout = 0.0  # every press is now older than Telegram allows
    await ann.tap("🙋 I need help")
    assert "🔒" in ann.messages[-1].text
    await ann.tap("✅ I agree, call me Ann")
    assert "phone" in ann.messages[-1].text
    assert not ann.callback_answers, "a pop-up came although every press was too old"
    assert "callback_answer_too_late" in caplog.text
    assert "went wrong" not in " ".join(m.text for m in ann.messages)
