"""An emergency is heard in every conversation state the app defines, in each language: the
person gets the emergency numbers at once, the coordinators get the alert, and the conversation
is where it was (a request being written became the emergency, so that one is over).

The states are collected from the handlers' StatesGroups (tests/e2e/states.py), so a state added
later is walked too; it is walked as a resident unless `STATE_ROLES` there says whose it is."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import ManualClock
from bot.delivery.notifier import Notifier
from bot.delivery.ratelimit import SendLimits, SendRateLimiter
from bot.emulator.server import FakeBotAPI
from bot.policy.notify.requests import request_question
from bot.services import review, users
from handlers.requests.states import AfterRequest
from handlers.visits import VisitInput
from storage.models import UserRole
from tests.e2e.community import (
    COORDINATORS_CHAT,
    RESIDENT_PHONE_SHOWN,
    open_request,
    person,
    resident_and_coordinator,
    running_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.states import REGISTERING, conversation_states, notes_of_earlier_steps, role_of
from tests.people import TIMEZONE, make_person

# a request (or a concern about a neighbour) being written becomes the emergency: that
# conversation is over
ENDED_BY_AN_EMERGENCY = ("AskHelp:", "RaiseConcern:")

PHRASES = {
    "en": ("I fell and can't get up, help me", "call now"),
    "zh_Hans": ("我摔倒了，救命", "请马上打电话"),
    "zh_Hant": ("我跌倒了，喘不過氣", "請馬上打電話"),
}
TELEGRAM_LANGUAGE = {"en": "en", "zh_Hans": "zh-hans", "zh_Hant": "zh-hant"}
SOMETHING_WENT_WRONG = ("something went wrong", "出了点问题", "出了點問題")


def test_the_walk_finds_the_states_of_every_flow() -> None:
    names = {state.state for state in conversation_states()}
    for expected in ("AskHelp:description", "AfterRequest:answer", "Onboarding:name",
                     "BroadcastFlow:text", "CheckinSetup:contact", "VisitInput:note"):  # fmt: skip
        assert expected in names
    assert len(names) >= 50


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_community(telegram, database_url, clock) as running:
        # 165 alerts to one group would take eight minutes at Telegram's 20 a minute; this test
        # is about what is sent, so the bot's own pacing is loosened (the emulator enforces none)
        running.app.dispatcher["outbox"].limiter = SendRateLimiter(
            SendLimits(per_second=500, private_chat_interval=0.0, group_per_minute=100_000)
        )
        yield running


async def cast(
    linli: RunningBot, telegram: FakeBotAPI, locale: str
) -> tuple[dict[UserRole | str, int], dict[str, int]]:
    """A resident, a volunteer, a coordinator and someone registering, speaking `locale`: their
    Telegram ids, and the row ids of the resident and the volunteer."""
    base = {"en": 7100, "zh_Hans": 7200, "zh_Hant": 7300}[locale]
    ids: dict[UserRole | str, int] = {
        UserRole.RESIDENT: base + 1,
        UserRole.VOLUNTEER: base + 2,
        UserRole.COORDINATOR: base + 3,
        REGISTERING: base + 4,
    }
    language = TELEGRAM_LANGUAGE[locale]
    for telegram_id in ids.values():
        telegram.user(telegram_id, first_name="Ann", language_code=language)
    rows: dict[str, int] = {}
    async with linli.app.session_factory() as session:
        for role in (UserRole.RESIDENT, UserRole.VOLUNTEER, UserRole.COORDINATOR):
            row = await make_person(
                session, linli.clock, ids[role], role, name="Ann Lee", phone="13800138000",
                address="Flat 3B", locale=locale,
            )  # fmt: skip
            rows[role.value] = row.id
        profile = users.TelegramProfile(
            telegram_id=ids[REGISTERING], username=None, language_code=language
        )
        newcomer = await users.sync_user(
            session, profile, clock=linli.clock, default_timezone=TIMEZONE
        )
        await users.record_consent(session, newcomer, clock=linli.clock)
        newcomer.locale = locale
        await session.commit()
    return ids, rows


@pytest.mark.parametrize("locale", sorted(PHRASES))
async def test_an_emergency_is_heard_in_every_state(
    community: RunningBot, telegram: FakeBotAPI, locale: str
) -> None:
    linli = community
    ids, rows = await cast(linli, telegram, locale)
    phrase, numbers_heading = PHRASES[locale]
    coordinators = telegram.group(
        COORDINATORS_CHAT, "Coordinators", members=[ids[UserRole.COORDINATOR]]
    )
    bot = linli.app.bot
    problems: list[str] = []
    for state in conversation_states():
        telegram_id = ids[role_of(state)]
        person = telegram.users[telegram_id]
        context = linli.app.dispatcher.fsm.get_context(bot, telegram_id, telegram_id)
        await context.set_state(state)
        before = {**notes_of_earlier_steps(state, rows), "typed_before": "Flat 3B"}
        await context.set_data(before)

        await person.send_text(phrase)
        replies = [m.text for m in person.replies]
        if not replies or numbers_heading not in replies[0] or "120" not in replies[0]:
            problems.append(f"{state.state}: no emergency numbers first, got {replies[:2]}")
            continue
        alert = await coordinators.wait_for_message(lambda m: "Possible emergency" in m.text)
        if phrase not in alert.text:
            problems.append(f"{state.state}: the alert does not say what was written")
        expected = None if state.state.startswith(ENDED_BY_AN_EMERGENCY) else state.state
        if await context.get_state() != expected:
            problems.append(f"{state.state}: state is {await context.get_state()} afterwards")
        elif expected is not None:
            after = await context.get_data()
            if any(after.get(key) != value for key, value in before.items()):
                problems.append(f"{state.state}: what was entered before is lost: {after}")

        await person.send_text("OK")  # the next ordinary input is handled, kindly
        answers = [m.text for m in person.replies]
        if not answers or any(w in a for a in answers for w in SOMETHING_WENT_WRONG):
            problems.append(f"{state.state}: the next input got {answers[:2]}")
        if any(numbers_heading in a for a in answers):
            problems.append(f"{state.state}: an ordinary word was taken for an emergency")
        await context.clear()
    assert not problems, "\n".join(problems)


async def test_a_fall_typed_as_the_answer_to_a_coordinators_question(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """The issue's story: "我摔倒了，救命" typed while answering a coordinator's question gets the
    numbers and an alert, not passed on as an answer; she can then answer after all."""
    linli = community
    resident, coordinator = await resident_and_coordinator(linli, telegram, 7401, 7402)
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[7402])
    mei = telegram.users[7401]
    request = await open_request(linli, resident, coordinator)
    async with linli.app.session_factory() as session:
        notifier = Notifier(session, linli.settings, linli.clock, linli.app.dispatcher["i18n"])
        await review.record_question(
            session, coordinator, request.id, "几点方便？", clock=linli.clock
        )
        await request_question(notifier, request, "几点方便？")
        await session.commit()
    await mei.wait_for_message(lambda m: "A coordinator asks" in m.text)
    await mei.tap("✍️ Answer")

    await mei.send_text("我摔倒了，救命")
    assert "call now" in mei.replies[0].text and "120" in mei.replies[0].text
    assert "carry on where you left off" in mei.last.text
    alert = await coordinators.wait_for_message(lambda m: "Possible emergency" in m.text)
    assert "我摔倒了，救命" in alert.text and RESIDENT_PHONE_SHOWN in alert.text

    await mei.send_text("下午三点")  # still answering the question
    assert "passed your answer on" in mei.last.text
    answer = await coordinators.wait_for_message(lambda m: "The resident answers" in m.text)
    assert "下午三点" in answer.text and "摔倒" not in answer.text


async def test_a_caption_is_heard_and_groups_are_left_alone(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    linli = community
    await resident_and_coordinator(linli, telegram, 7411, 7412)
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[7412])
    ann = telegram.users[7411]
    await ann.send_photo(caption="Kitchen fire! Smoke everywhere")
    assert "call now" in ann.replies[0].text
    await coordinators.wait_for_message(lambda m: "Smoke everywhere" in m.text)

    lin = coordinators.as_user(7412)
    await lin.send_text("救命 drill on Friday: who brings the first-aid kit?")
    assert not [m for m in lin.replies if "call now" in m.text]


async def test_a_coordinator_can_still_send_a_notice_about_fire(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """A notice that mentions a fire is answered as an emergency once; the same text again at
    the same step is taken as the notice."""
    linli = community
    await resident_and_coordinator(linli, telegram, 7421, 7422)
    lin = telegram.users[7422]
    notice = "消防安全讲座：家里着火了怎么办？周五下午三点，社区活动室。"
    await lin.send_command("/broadcast")
    await lin.send_text(notice)
    assert "call now" in lin.replies[0].text
    assert "Send the same text again" in lin.last.text
    await lin.send_text(notice)
    assert "call now" not in " ".join(m.text for m in lin.replies)
    await lin.tap("No, continue")  # the notice was taken: /broadcast asks its next questions
    await lin.tap("No, just a notice")


async def test_a_volunteer_can_still_note_a_fall_last_week(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    """At a step, a volunteer's text that mentions a fall is answered as an emergency once;
    sent again it goes to the step (here: a visit note, for a visit that is not theirs)."""
    linli = community
    await person(linli, telegram, 7431, UserRole.VOLUNTEER, name="Tao")
    tao = telegram.users[7431]
    context = linli.app.dispatcher.fsm.get_context(linli.app.bot, 7431, 7431)
    await context.set_state(VisitInput.note)
    await context.set_data({"visit_id": 999})
    note = "She fell last week, she is fine now"
    await tao.send_text(note)
    assert "call now" in tao.replies[0].text and "Send the same text again" in tao.last.text
    await tao.send_text(note)
    assert tao.replies and "call now" not in " ".join(m.text for m in tao.replies)


async def test_a_resident_is_heard_every_time(community: RunningBot, telegram: FakeBotAPI) -> None:
    linli = community
    await resident_and_coordinator(linli, telegram, 7441, 7442)
    coordinators = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[7442])
    mei = telegram.users[7441]
    await linli.app.dispatcher.fsm.get_context(linli.app.bot, 7441, 7441).set_state(
        AfterRequest.answer
    )
    for _ in range(2):
        await mei.send_text("救命")
        assert "call now" in mei.replies[0].text
        await coordinators.wait_for_message(lambda m: "Possible emergency" in m.text)
