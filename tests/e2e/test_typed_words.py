"""What people type is understood, in Simplified Chinese, Traditional Chinese and English: an
elder answers her check-in by writing "我很好" (or "不好"), "不要了" stops any step and shows her
menu, a coordinator enrols an elder in six actions, a volunteer writes "一个半小时" for the time
a task took, and free text where a button is expected gets the question again with its
buttons. Each runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.emulator.views import ChatMessage
from bot.scheduling.scheduler import Scheduler
from bot.services import checkins
from bot.services.schedule import QuietHours
from storage.models import (
    Checkin,
    CheckinPlan,
    CheckinPlanStatus,
    CheckinStatus,
    ContactKind,
    FsmState,
    HelpRequest,
    RequestStatus,
    User,
    UserRole,
)
from tests.e2e.community import open_request, person, running_community
from tests.e2e.harness import RunningBot

# The test clock starts on Monday 2 March 2026, 09:00 UTC: 17:00 in Shanghai.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RESIDENT, COORDINATOR, VOLUNTEER = 801, 802, 803
QUIET = QuietHours.parse("22:00-07:00")
LANGUAGES = ("zh_Hans", "zh_Hant", "en")


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    clock.set(START)
    async with running_community(telegram, database_url, clock) as running:
        yield running


def tr(linli: RunningBot, locale: str, msgid: str) -> str:
    """A text or a button as a reader of `locale` sees it."""
    return str(linli.app.dispatcher["i18n"].gettext(msgid, locale=locale))


def said(linli: RunningBot, locale: str, msgid: str) -> Callable[[ChatMessage], bool]:
    """The message says `msgid` in `locale` (what is around its {placeholders} at least)."""
    parts = [p.strip() for p in tr(linli, locale, msgid).split("{name}") if p.strip()]
    parts = [part.split("{")[0].strip() or part for part in parts]
    return lambda message: all(part in (message.text or "") for part in parts)


def labels(message: ChatMessage) -> list[str]:
    return [label for row in message.buttons for label in row]


def menu(chat: ChatUser) -> list[str]:
    return [label for row in chat.reply_keyboard or [] for label in row]


class Counted:
    """A chat whose presses and messages are counted: the actions a person takes."""

    def __init__(self, chat: ChatUser) -> None:
        self.chat, self.actions = chat, 0

    async def send_command(self, command: str) -> Any:
        self.actions += 1
        return await self.chat.send_command(command)

    async def tap(self, label: str) -> Any:
        self.actions += 1
        return await self.chat.tap(label)

    async def send_text(self, text: str) -> Any:
        self.actions += 1
        return await self.chat.send_text(text)


async def tick_at(linli: RunningBot, moment: datetime) -> int:
    linli.clock.set(moment)  # type: ignore[attr-defined]
    scheduler: Scheduler = linli.app.dispatcher["scheduler"]
    return await scheduler.tick()


async def enrolled(linli: RunningBot, resident: User, coordinator: User, at: str) -> None:
    """A plan at `at` every day that the resident has agreed to (made through the services)."""
    async with linli.app.session_factory() as session:
        her = await session.get(User, resident.id)
        lin = await session.get(User, coordinator.id)
        assert her is not None and lin is not None
        plan = await checkins.propose_plan(
            session, lin, her, times=[at], quiet=QUIET, clock=linli.clock
        )
        await checkins.agree_to_plan(session, her, plan.id, clock=linli.clock)
        await session.commit()


async def checkin_statuses(linli: RunningBot, resident: User) -> list[CheckinStatus]:
    async with linli.app.session_factory() as session:
        rows = await session.scalars(
            select(Checkin.status).where(Checkin.resident_id == resident.id).order_by(Checkin.id)
        )
        return list(rows)


async def state_of(linli: RunningBot, chat: ChatUser) -> str | None:
    async with linli.app.session_factory() as session:
        return await session.scalar(select(FsmState.state).where(FsmState.user_id == chat.id))


async def her_checkin_arrives(
    linli: RunningBot, telegram: FakeBotAPI, locale: str, name: str
) -> tuple[User, ChatUser, ChatUser]:
    """She is enrolled at 18:00 Shanghai time; at 18:00 her check-in comes."""
    her = await person(linli, telegram, RESIDENT, UserRole.RESIDENT, name=name, locale=locale)
    lin_row = await person(linli, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin")
    await enrolled(linli, her, lin_row, "18:00")
    await tick_at(linli, START + timedelta(hours=1))
    chat = telegram.users[RESIDENT]
    fine = tr(linli, locale, "I'm fine 👍")
    await chat.wait_for_message(lambda m: fine in labels(m), timeout=10)
    await linli.outbox_drained()  # recorded as sent, with its message id
    return her, chat, telegram.users[COORDINATOR]


@pytest.mark.postgresql
@pytest.mark.parametrize(
    ("locale", "typed"), [("zh_Hans", "我很好"), ("zh_Hant", "我很好，謝謝！"), ("en", "ok")]
)
async def test_a_typed_i_am_fine_answers_her_check_in(
    community: RunningBot, telegram: FakeBotAPI, locale: str, typed: str
) -> None:
    her, chat, lin = await her_checkin_arrives(community, telegram, locale, "Wang Mei")
    checkin = chat.last.message_id
    await chat.send_text(typed)
    await telegram.wait_until(lambda: not chat.message(checkin).buttons, timeout=10)
    assert said(community, locale, "Thank you, {name}! Glad you are well. Have a good day ☀️")(
        chat.last
    )
    assert tr(community, locale, "🛒 Shopping and errands") in menu(chat)
    assert await checkin_statuses(community, her) == [CheckinStatus.FINE]

    await lin.send_command("/checkins")  # the coordinator's board shows it answered
    board = lin.last.text
    assert "✅ Answered: 1" in board and "Wang Mei" in board.split("✅ Answered: 1")[1]

    await chat.send_text(typed)  # nothing is open now: ordinary handling, not a second thanks
    assert not said(community, locale, "Thank you, {name}! Glad you are well.")(chat.last)
    assert await checkin_statuses(community, her) == [CheckinStatus.FINE]


@pytest.mark.parametrize(
    ("locale", "typed"), [("zh_Hans", "我需要帮助"), ("zh_Hant", "我唔舒服"), ("en", "not ok")]
)
async def test_a_typed_i_need_help_answers_her_check_in_as_the_button_would(
    community: RunningBot, telegram: FakeBotAPI, locale: str, typed: str
) -> None:
    her, chat, _lin = await her_checkin_arrives(community, telegram, locale, "Wang Mei")
    await chat.send_text(typed)
    on_it = {"zh_Hans": "很快会有人联系您", "zh_Hant": "很快會有人聯絡您", "en": "contact you soon"}
    assert on_it[locale] in chat.last.text
    assert await checkin_statuses(community, her) == [CheckinStatus.HELP]
    async with community.app.session_factory() as session:
        request = await session.scalar(select(HelpRequest).where(HelpRequest.resident_id == her.id))
        assert request is not None and request.urgent


async def test_an_emergency_word_keeps_its_emergency_answer(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    her, chat, _lin = await her_checkin_arrives(community, telegram, "en", "Ann")
    await chat.send_text("help")  # a call for help, heard as an emergency first
    await chat.wait_for_message(lambda m: "I have alerted the coordinators" in m.text)
    assert await checkin_statuses(community, her) == [CheckinStatus.WAITING]


async def test_a_typed_yes_without_a_check_in_is_ordinary(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await person(community, telegram, RESIDENT, UserRole.RESIDENT, name="王梅", locale="zh_Hans")
    chat = telegram.users[RESIDENT]
    await chat.send_text("好")
    assert "谢谢" not in chat.last.text and "我没有看懂" in chat.last.text


@pytest.mark.parametrize(
    ("locale", "typed"), [("zh_Hans", "不要了"), ("zh_Hans", "取消"), ("zh_Hant", "算了")]
)
async def test_cancel_words_stop_her_step_and_show_her_menu(
    community: RunningBot, telegram: FakeBotAPI, locale: str, typed: str
) -> None:
    await person(community, telegram, RESIDENT, UserRole.RESIDENT, name="王梅", locale=locale)
    chat = telegram.users[RESIDENT]
    await chat.send_command("/start")
    await chat.tap_reply(tr(community, locale, "🔔 Daily check-in"))
    await chat.tap(tr(community, locale, "🔔 Yes, set it up"))
    assert await state_of(community, chat) == "CheckinSetup:times"
    await chat.send_text(typed)
    assert chat.last.text == tr(community, locale, "OK, stopped. Nothing was changed.")
    assert tr(community, locale, "🛒 Shopping and errands") in menu(chat)
    assert await state_of(community, chat) is None
    async with community.app.session_factory() as session:
        assert await session.scalar(select(CheckinPlan)) is None


async def test_cancel_typed_in_english_stops_a_coordinators_pairing(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await person(community, telegram, RESIDENT, UserRole.RESIDENT, name="Mei Chen")
    await person(community, telegram, VOLUNTEER, UserRole.VOLUNTEER, name="Tao Wang")
    await person(community, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin")
    lin = telegram.users[COORDINATOR]
    await lin.send_command("/pair")
    await lin.tap("Mei Chen")
    await lin.send_text("Stop")
    assert lin.last.text == "OK, stopped. Nothing was changed."
    assert "📋 Check-ins today" in menu(lin)
    assert await state_of(community, lin) is None


@pytest.mark.parametrize(
    ("locale", "time_by"),
    [("zh_Hans", "早上八点"), ("zh_Hant", "08:00"), ("en", "8am")],
)
async def test_a_coordinator_enrols_an_elder_in_six_actions(
    community: RunningBot, telegram: FakeBotAPI, locale: str, time_by: str
) -> None:
    """/enrol, her name, one time (tapped, or typed as she would say it), every day, no one
    else to tell, send: six. She agrees, and her check-in comes at 08:00 the next morning."""
    her = await person(community, telegram, RESIDENT, UserRole.RESIDENT, name="Mei Chen")
    await person(community, telegram, VOLUNTEER, UserRole.VOLUNTEER, name="Tao Wang")
    await person(community, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin", locale=locale)
    lin = Counted(telegram.users[COORDINATOR])
    mei = telegram.users[RESIDENT]

    await lin.send_command("/enrol")
    await lin.tap("Mei Chen")
    if ":" in time_by:
        await lin.tap(time_by)
    else:
        await lin.send_text(time_by)
        assert "✅ 08:00" in labels(lin.chat.last)
    await lin.tap(tr(community, locale, "📅 Every day"))
    await lin.tap(tr(community, locale, "⏭ Skip"))  # no volunteer, and nobody to phone
    summary = lin.chat.last.text
    assert "08:00" in summary and "Mei Chen" in summary
    await lin.tap(tr(community, locale, "📨 Send to {name} to agree").format(name="Mei Chen"))
    assert said(community, locale, "📨 Sent to {name}. I will tell you when they answer.")(
        lin.chat.last
    )
    assert lin.actions == 6

    await mei.wait_for_message(lambda m: "✅ Yes, start my check-ins" in labels(m), timeout=10)
    await mei.tap("✅ Yes, start my check-ins")
    async with community.app.session_factory() as session:
        plan = await checkins.plan_for(session, her.id)
        assert plan is not None and plan.status is CheckinPlanStatus.ACTIVE
        assert plan.times == ["08:00"] and plan.weekdays == [0, 1, 2, 3, 4, 5, 6]
        assert await checkins.describe_chain(session, plan) == [
            checkins.ChainLink(ContactKind.COORDINATORS, None)
        ]

    assert await tick_at(community, datetime(2026, 3, 2, 23, 59, tzinfo=UTC)) == 0
    await tick_at(community, datetime(2026, 3, 3, 0, 0, tzinfo=UTC))  # 08:00 in Shanghai
    checkin = await mei.wait_for_message(lambda m: "I'm fine 👍" in labels(m), timeout=10)
    assert "Are you all right?" in checkin.text


@pytest.mark.parametrize(
    ("locale", "typed", "minutes"),
    [("zh_Hans", "一个半小时", 90), ("zh_Hant", "兩個鐘", 120), ("en", "half an hour", 30)],
)
async def test_a_volunteer_types_how_long_a_task_took(
    community: RunningBot, telegram: FakeBotAPI, locale: str, typed: str, minutes: int
) -> None:
    resident = await person(community, telegram, RESIDENT, UserRole.RESIDENT, name="Mei")
    coordinator = await person(community, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin")
    request = await open_request(community, resident, coordinator)
    await person(community, telegram, VOLUNTEER, UserRole.VOLUNTEER, name="Tao", locale=locale)
    tao = telegram.users[VOLUNTEER]
    await tao.send_command("/tasks")
    await tao.tap(tr(community, locale, "🙌 I'll do it"))
    await tao.tap(tr(community, locale, "✅ Done"))
    await tao.send_text(typed)
    async with community.app.session_factory() as session:
        done = await session.get(HelpRequest, request.id)
        assert done is not None and done.status is RequestStatus.DONE
        assert done.minutes_spent == minutes


@pytest.mark.parametrize("locale", LANGUAGES)
async def test_free_text_at_a_button_step_asks_again_with_the_buttons(
    community: RunningBot, telegram: FakeBotAPI, locale: str
) -> None:
    await person(community, telegram, RESIDENT, UserRole.RESIDENT, name="Mei Chen")
    await person(community, telegram, VOLUNTEER, UserRole.VOLUNTEER, name="Tao Wang")
    await person(community, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin", locale=locale)
    lin = telegram.users[COORDINATOR]
    await lin.send_command("/pair")
    await lin.tap("Mei Chen")
    await lin.tap("Tao Wang")
    every_week = labels(lin.last)
    await lin.send_text("每个星期二" if locale != "en" else "every Tuesday")
    again = lin.last
    sorry = "Sorry, I did not quite understand. Here is the question again: please tap 👇"
    assert again.text.startswith(tr(community, locale, sorry))
    assert labels(again) == every_week  # the same buttons, right under what was typed
    await lin.tap(every_week[0])  # and they work there
    await lin.send_text("whenever")  # the day: the question again, with its buttons
    assert len(labels(lin.last)) == 7
    await lin.tap(labels(lin.last)[1])  # Tuesday
    await lin.send_text("不知道" if locale != "en" else "dunno")  # not a time: asked again
    assert len(labels(lin.last)) >= 3  # the times, to tap right there
    typed = {"zh_Hans": "上午十点半", "zh_Hant": "下晝三點", "en": "3:30 pm"}[locale]
    await lin.send_text(typed)  # a time as it is said
    await lin.tap(tr(community, locale, "⏭ No code"))
    check = lin.last.text
    assert {"zh_Hans": "10:30", "zh_Hant": "15:00", "en": "15:30"}[locale] in check
