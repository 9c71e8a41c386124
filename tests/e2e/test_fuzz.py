"""Random updates thrown at the real dispatcher through the fake Bot API: texts of any length and
alphabet, stickers, contacts, locations, voice notes, photos, edited messages, forged data for
every CallbackData class of the app, people joining and leaving groups, the bot blocked,
removed and added back. Whatever comes, nothing reaches the error handler (no "something went
wrong") and every button press is answered.

Hypothesis shrinks a failing sequence to its smallest case; a found crash is fixed in the
handler with a kind answer, and the sequence can be pinned below with @example."""

from __future__ import annotations

import copy
import inspect
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args

import pytest
from aiogram import Dispatcher
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import bot.callbacks
from bot.clock import ManualClock
from bot.emulator.actors import ChatActor, enqueue_member_update
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.services import users
from handlers import all_routers
from storage.models import User, UserRole
from tests.e2e.community import (
    COORDINATORS_CHAT,
    VOLUNTEERS_CHAT,
    open_request,
    person,
    running_community,
)
from tests.e2e.harness import RunningBot
from tests.e2e.states import (
    REGISTERING,
    ButtonHandler,
    button_handlers,
    conversation_states,
    notes_of_earlier_steps,
    role_of,
)
from tests.people import make_person

RESIDENT, OTHER_RESIDENT, VOLUNTEER, COORDINATOR, STRANGER = 8101, 8102, 8103, 8104, 8105
PRIVATE = (RESIDENT, OTHER_RESIDENT, VOLUNTEER, COORDINATOR, STRANGER)
GROUPS = (COORDINATORS_CHAT, VOLUNTEERS_CHAT)
SOMETHING_WENT_WRONG = ("something went wrong", "出了点问题", "出了點問題")
ROOT = Path(__file__).resolve().parents[2]


def callback_classes() -> list[type[CallbackData]]:
    """Every CallbackData class of the app (a new one is fuzzed without changing this file)."""
    return [
        cls
        for _, cls in inspect.getmembers(bot.callbacks, inspect.isclass)
        if issubclass(cls, CallbackData) and cls is not CallbackData
    ]


def words_of_the_app() -> list[str]:
    """Short lowercase literals of the handlers and views: the action names and values a
    forged button would most likely try."""
    found: set[str] = set()
    for path in [*ROOT.glob("handlers/*.py"), *ROOT.glob("bot/*.py")]:
        found.update(re.findall(r'"([a-z_]{1,12})"', path.read_text(encoding="utf-8")))
    return sorted(found)


WORDS = words_of_the_app()
COMMANDS = ["/start", "/help", "/cancel", "/language", "/privacy", "/request", "/myrequests",
            "/tasks", "/mytasks", "/hours", "/visits", "/pair", "/enrol", "/checkins",
            "/broadcast", "/start vol-forged", "/start xyz"]  # fmt: skip
MENU = ["🙋 I need help", "📋 My requests", "👤 My details", "🔔 Daily check-in", "❓ Help",
        "🌐 Language", "📋 Check-ins today", "⏭ Skip", "🙋 我需要帮助", "📋 我的求助"]  # fmt: skip

# what the steps of the flows ask for, right and wrong
STEP_ANSWERS = ["10:00", "7:30 19:30", "25:99", "0", "-5", "30", "1.5", "9999999999",
                "2026-03-05", "2026-02-30", "05/03 14:00", "13800138000", "+86 138 0013 8000",
                "Ann", "Ann 13900139000", "Monday", "明天", "下午三点", "Building 5", "Mei",
                "Lin"]  # fmt: skip
# values: right type, wrong type, unknown or someone else's ids, separators, nothing
numbers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=0, max_value=12),  # ids that exist: other people's rows
)
field_values = st.one_of(
    numbers.map(str),
    st.sampled_from(WORDS),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "-1",
            "true",
            "false",
            "None",
            "nan",
            "1e9",
            "０",
            "١",
            " 1",
            "x",
            "🙂",
            "a:b",
            "%3A",
            "\x00",
            "9" * 30,
            "²",
            "2147483648",
        ]
    ),
    st.text(min_size=0, max_size=12),
)


def field_strategy(kind: Any) -> st.SearchStrategy[str]:
    """Values for one field: of its own type now and then, anything else mostly."""
    choices = [field_values]
    if isinstance(kind, type) and issubclass(kind, Enum):
        choices.append(st.sampled_from([member.value for member in kind]))
    elif kind in (int, "int"):
        choices.append(numbers.map(str))
    elif kind in (bool, "bool"):
        choices.append(st.sampled_from(["0", "1", "true", "false"]))
    elif get_args(kind):
        choices.append(st.sampled_from([str(arg) for arg in get_args(kind)]))
    return st.one_of(*choices)


@st.composite
def forged_callback_data(draw: st.DrawFn, target: ButtonHandler | None = None) -> str:
    """Data for a CallbackData class (any, or `target`'s with the values its rule asks for)."""
    cls = target.callback_data if target else draw(st.sampled_from(callback_classes()))
    fixed = target.fixed if target else {}
    parts = [cls.__prefix__]
    for name, field in cls.model_fields.items():
        parts.append(fixed[name] if name in fixed else draw(field_strategy(field.annotation)))
    if draw(st.integers(0, 3)) == 0 and len(parts) > 1:  # a part too few or too many
        parts = parts[:-1] if draw(st.booleans()) else [*parts, draw(field_values)]
    data = cls.__separator__.join(parts)
    return data.encode()[:64].decode(errors="ignore") or cls.__prefix__  # Telegram's 64 bytes


texts = st.one_of(
    st.text(min_size=1, max_size=60),
    st.sampled_from(COMMANDS + MENU),
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(["x", "长", "👵", "<b>", "&", "a\n"]),
        st.integers(min_value=4000, max_value=4096),
    ),
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "So"]), min_size=1, max_size=30),
    st.builds(" ".join, st.lists(st.sampled_from(WORDS + COMMANDS), min_size=1, max_size=4)),
    st.sampled_from(STEP_ANSWERS),
).filter(lambda text: text.strip() != "")

chats = st.sampled_from(PRIVATE + GROUPS)
indexes = st.integers(min_value=0, max_value=40)


def actions_in(chat: st.SearchStrategy[int]) -> st.SearchStrategy[tuple[str, int, Any]]:
    return st.one_of(
        st.tuples(st.just("tap"), chat, indexes),  # a real button: deeper into the flows
        st.tuples(st.just("reply"), chat, indexes),  # a real menu button
        st.tuples(st.just("text"), chat, texts),
        st.tuples(st.just("callback"), chat, forged_callback_data()),
        st.tuples(st.just("sticker"), chat, st.just("")),
        st.tuples(st.just("voice"), chat, st.just("")),
        st.tuples(st.just("photo"), chat, st.text(max_size=30)),
        st.tuples(st.just("contact"), chat, st.sampled_from(["own", "other", "weird"])),
        st.tuples(st.just("location"), chat, st.just("")),
        st.tuples(st.just("edit"), chat, texts),
        st.tuples(st.just("join"), st.sampled_from(GROUPS), st.sampled_from(["in", "out"])),
        st.tuples(st.just("bot"), chat, st.sampled_from(["remove", "add"])),
    )


@st.composite
def conversations(draw: st.DrawFn) -> list[tuple[str, int, Any]]:
    """A few steps, mostly in one chat (so flows are followed), now and then in another."""
    home = draw(chats)
    chat = st.one_of(st.just(home), st.just(home), st.just(home), chats)
    return draw(st.lists(actions_in(chat), min_size=1, max_size=int(EXAMPLES["steps"])))


EXAMPLES = {  # LINLI_FUZZ_EXAMPLES=2000 for a long hunt; the default stays quick
    "conversations": int(os.environ.get("LINLI_FUZZ_EXAMPLES", "30")),
    "buttons": int(os.environ.get("LINLI_FUZZ_EXAMPLES", "40")),
    "states": int(os.environ.get("LINLI_FUZZ_EXAMPLES", "70")),
    "steps": 8,
}


class ErrorsSeen(logging.Handler):
    """Collects what reached the error handler (linli.errors) or escaped it (aiogram)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def describe(self) -> list[str]:
        lines = []
        for record in self.records:
            lines.append(record.getMessage())
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                lines.append(f"  {type(error).__name__}: {error}")
        return lines


@contextmanager
def errors_seen() -> Iterator[ErrorsSeen]:
    handler = ErrorsSeen()
    loggers = [logging.getLogger(name) for name in ("linli.errors", "aiogram")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


@dataclass
class Fuzzed:
    linli: RunningBot
    telegram: FakeBotAPI
    request_ids: list[int]
    row_ids: dict[str, int]


@pytest.fixture
async def fuzzed(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[Fuzzed]:
    """A community: two residents (one with a request), a volunteer, a coordinator, a stranger,
    both groups; each has a bot message to press forged buttons on."""
    async with running_community(telegram, database_url, clock) as linli:
        resident = await person(linli, telegram, RESIDENT, UserRole.RESIDENT, name="Mei",
                                phone="13800138000", address="Flat 3B")  # fmt: skip
        other = await person(linli, telegram, OTHER_RESIDENT, UserRole.RESIDENT, name="Bo")
        volunteer = await person(linli, telegram, VOLUNTEER, UserRole.VOLUNTEER, name="Tao")
        coordinator = await person(linli, telegram, COORDINATOR, UserRole.COORDINATOR, name="Lin")
        telegram.user(STRANGER, first_name="Cy", language_code="zh-hant")
        requests = [
            await open_request(linli, resident, coordinator, post_to_group=True),
            await open_request(linli, other, coordinator, "Fix a tap"),
        ]
        telegram.group(COORDINATORS_CHAT, "Coordinators", members=[COORDINATOR])
        telegram.group(VOLUNTEERS_CHAT, "Volunteers", members=[VOLUNTEER])
        for telegram_id in PRIVATE:
            await telegram.users[telegram_id].send_command("/start")
        await telegram.groups[COORDINATORS_CHAT].as_user(COORDINATOR).send_command("/help")
        await telegram.groups[VOLUNTEERS_CHAT].as_user(VOLUNTEER).send_command("/help")
        rows = {"resident": resident.id, "volunteer": volunteer.id}
        yield Fuzzed(linli, telegram, [request.id for request in requests], rows)


def actor(telegram: FakeBotAPI, chat_id: int) -> ChatActor:
    if chat_id in telegram.groups:
        group = telegram.groups[chat_id]
        member = COORDINATOR if chat_id == COORDINATORS_CHAT else VOLUNTEER
        group.add_member(member)
        return group.as_user(member)
    return telegram.users[chat_id]


async def able_to_write(telegram: FakeBotAPI, chat_id: int) -> None:
    """Undo an earlier block or removal, so the next action reaches the bot."""
    if chat_id in telegram.groups:
        group = telegram.groups[chat_id]
        if group.bot_status not in ("member", "administrator", "creator"):
            await group.add_bot()
    elif telegram.users[chat_id].chat.blocked:
        await telegram.users[chat_id].unblock_bot()


async def perform(telegram: FakeBotAPI, kind: str, chat_id: int, value: str) -> str | None:
    """Do one action; returns the callback query id when it pressed a button."""
    await able_to_write(telegram, chat_id)
    who = actor(telegram, chat_id)
    if kind == "text":
        await who.send_text(value)
    elif kind in ("tap", "reply"):
        await press_a_real_button(who, kind, int(value))
    elif kind == "callback":
        bot_messages = [m for m in who.chat.alive() if m.from_bot]
        if not bot_messages:
            await who.send_text(value)
            return None
        update = await who.press_data(value, message_id=bot_messages[-1].message_id)
        return str(update["callback_query"]["id"])
    elif kind == "sticker":
        await who.send_sticker()
    elif kind == "voice":
        await who.send_voice()
    elif kind == "photo":
        await who.send_photo(caption=value or None)
    elif kind == "contact":
        if value == "own":
            await who.send_contact("+8613800138000")
        elif value == "other":
            await who.send_contact("+85291234567", "Somebody", user_id=RESIDENT + 1000)
        else:
            await who.send_contact("+", "🙂" * 30, user_id=0)
    elif kind == "location":
        await who.send_location(91.0, -181.0)
    elif kind == "edit":
        await edit_last_message(telegram, who, value)
    elif kind == "join":
        await join_or_leave(telegram, chat_id, value)
    elif kind == "bot":
        await bot_membership(telegram, chat_id, value)
    return None


async def press_a_real_button(who: ChatActor, kind: str, index: int) -> None:
    """The `index`-th inline button of the last bot messages, or of the reply keyboard."""
    if kind == "reply":
        keyboard = who.chat.reply_keyboard
        rows = keyboard["keyboard"] if keyboard else []
        labels = [b if isinstance(b, str) else b["text"] for row in rows for b in row]
        if labels and isinstance(who, ChatUser):
            await who.tap_reply(labels[index % len(labels)])
        return
    found = [
        (message.message_id, button["text"])
        for message in [m for m in who.chat.alive() if m.from_bot][-3:]
        for row in (message.reply_markup or {}).get("inline_keyboard") or []
        for button in row
        if "callback_data" in button
    ]
    if found:
        message_id, label = found[index % len(found)]
        await who.tap(label, message_id=message_id)


async def edit_last_message(telegram: FakeBotAPI, who: ChatActor, text: str) -> None:
    mine = [m for m in who.chat.alive() if not m.from_bot]
    if not mine:
        await who.send_text(text)
        return
    data = copy.deepcopy(mine[-1].data)
    data.pop("sticker", None)
    data["text"], data["edit_date"] = text, int(time.time())
    update = telegram.state.enqueue_update("edited_message", data)
    await telegram.wait_processed(update["update_id"])


async def join_or_leave(telegram: FakeBotAPI, chat_id: int, direction: str) -> None:
    """A person joins or leaves a group: the service message the bot sees."""
    await able_to_write(telegram, chat_id)
    group = telegram.groups[chat_id]
    newcomer = telegram.state.user_info(STRANGER)
    content = {"new_chat_members": [newcomer]} if direction == "in" else {
        "left_chat_member": newcomer}  # fmt: skip
    stored = telegram.state.add_message(group.chat, from_bot=False, content=content,
                                        sender=newcomer)  # fmt: skip
    update = telegram.state.enqueue_update("message", copy.deepcopy(stored.data))
    await telegram.wait_processed(update["update_id"])


async def bot_membership(telegram: FakeBotAPI, chat_id: int, change: str) -> None:
    if chat_id in telegram.groups:
        group = telegram.groups[chat_id]
        present = group.bot_status in ("member", "administrator", "creator")
        if change == "remove" and present:
            await group.remove_bot(by=COORDINATOR if chat_id == COORDINATORS_CHAT else VOLUNTEER)
        elif change == "add" and not present:
            await group.add_bot()
        return
    person = telegram.users[chat_id]
    if change == "remove" and not person.chat.blocked:
        await person.block_bot()
    elif change == "add" and person.chat.blocked:
        await person.unblock_bot()
    else:  # a my_chat_member that changes nothing, as Telegram sometimes repeats
        update = enqueue_member_update(telegram, person.chat, person.user, "member", "member")
        await telegram.wait_processed(update["update_id"])


def bot_texts_since(telegram: FakeBotAPI, mark: int) -> list[str]:
    """What the bot sent anywhere after `mark` (the emulator's event counter)."""
    return [
        str(message.data.get("text") or message.data.get("caption") or "")
        for chat in telegram.state.chats.values()
        for message in chat.alive()
        if message.from_bot and message.created_seq > mark
    ]


def said_sorry(text: str) -> bool:
    return any(words in text for words in SOMETHING_WENT_WRONG)


CAST = {
    RESIDENT: (UserRole.RESIDENT, "Mei"),
    OTHER_RESIDENT: (UserRole.RESIDENT, "Bo"),
    VOLUNTEER: (UserRole.VOLUNTEER, "Tao"),
    COORDINATOR: (UserRole.COORDINATOR, "Lin"),
}


async def reset_conversations(fuzzed: Fuzzed) -> None:
    """Each example starts from the menu with everyone in their role (an earlier example may
    have deleted someone's data, or registered the stranger), so a failure replays the same."""
    linli = fuzzed.linli
    async with linli.app.session_factory() as session:
        for telegram_id in PRIVATE:
            row = await session.scalar(select(User).where(User.telegram_id == telegram_id))
            if telegram_id == STRANGER:
                if row is not None and row.is_onboarded:
                    await users.delete_personal_data(session, row, clock=linli.clock)
            elif row is None or not row.is_onboarded or row.role is not CAST[telegram_id][0]:
                role, name = CAST[telegram_id]
                if row is not None:
                    await users.delete_personal_data(session, row, clock=linli.clock)
                restored = await make_person(session, linli.clock, telegram_id, role, name=name)
                if telegram_id in (RESIDENT, VOLUNTEER):
                    fuzzed.row_ids[role.value] = restored.id
        await session.commit()
    for telegram_id in PRIVATE:
        context = linli.app.dispatcher.fsm.get_context(linli.app.bot, telegram_id, telegram_id)
        await context.clear()
    for chat_id in GROUPS:
        for member in (COORDINATOR, VOLUNTEER):
            context = linli.app.dispatcher.fsm.get_context(linli.app.bot, chat_id, member)
            await context.clear()


QUICK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
# Shrinking replays against a bot whose database has moved on, slowly: only in a long hunt.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate) + (
    (Phase.shrink,) if "LINLI_FUZZ_EXAMPLES" in os.environ else ()
)


@settings(
    max_examples=EXAMPLES["conversations"],
    deadline=None,
    suppress_health_check=QUICK,
    phases=PHASES,
)
@given(steps=conversations())
async def test_random_updates_never_reach_the_error_handler(
    fuzzed: Fuzzed, steps: list[tuple[str, int, str]]
) -> None:
    telegram = fuzzed.telegram
    await reset_conversations(fuzzed)
    mark = telegram.state.seq
    with errors_seen() as errors:
        queries = [await perform(telegram, kind, chat_id, value) for kind, chat_id, value in steps]
    unanswered = [
        telegram.state.callback_queries[query].data
        for query in queries
        if query is not None and telegram.state.callback_queries[query].answer is None
    ]
    assert not unanswered, f"button presses left unanswered: {unanswered}"
    assert not errors.records, "\n".join(errors.describe())
    sorry = [text for text in bot_texts_since(telegram, mark) if said_sorry(text)]
    assert not sorry, sorry


@settings(
    max_examples=EXAMPLES["buttons"], deadline=None, suppress_health_check=QUICK, phases=PHASES
)
@given(data=st.lists(forged_callback_data(), min_size=1, max_size=8), who=chats)
async def test_forged_buttons_get_a_kind_answer(fuzzed: Fuzzed, data: list[str], who: int) -> None:
    """Every CallbackData class with wrong types, unknown and other people's ids: each press
    is answered, and none reaches the error handler."""
    telegram = fuzzed.telegram
    await reset_conversations(fuzzed)
    with errors_seen() as errors:
        for forged in data:
            query = await perform(telegram, "callback", who, forged)
            assert query is not None
            answer = telegram.state.callback_queries[query].answer
            assert answer is not None, f"{forged!r} was not answered"
    assert not errors.records, "\n".join(errors.describe())


WHO_HAS_THE_STATE = {
    UserRole.RESIDENT: RESIDENT,
    UserRole.VOLUNTEER: VOLUNTEER,
    UserRole.COORDINATOR: COORDINATOR,
    REGISTERING: STRANGER,
}


def registered_buttons() -> list[ButtonHandler]:
    dispatcher = Dispatcher()
    dispatcher.include_routers(*all_routers())
    return button_handlers(dispatcher)


BUTTONS = registered_buttons()
STATES = {state.state: state for state in conversation_states()}


@st.composite
def at_a_step(draw: st.DrawFn) -> tuple[State | None, list[tuple[str, Any]]]:
    """A button handler's own step (any step, or none, for buttons heard everywhere), a forged
    press of that button, and a few other odd things."""
    target = draw(st.sampled_from(BUTTONS))
    names = list(target.states) if target.states else [None, *STATES]
    name = draw(st.sampled_from(names))
    others = st.one_of(
        st.tuples(st.just("callback"), forged_callback_data()),
        st.tuples(st.just("tap"), indexes),
        st.tuples(st.just("text"), texts),
        st.tuples(st.just("sticker"), st.just("")),
        st.tuples(st.just("contact"), st.sampled_from(["own", "other", "weird"])),
    )
    steps = [("callback", draw(forged_callback_data(target))), *draw(st.lists(others, max_size=3))]
    return (STATES[name] if name else None), steps


@settings(
    max_examples=EXAMPLES["states"], deadline=None, suppress_health_check=QUICK, phases=PHASES
)
@given(scenario=at_a_step(), anyone=st.sampled_from(PRIVATE))
async def test_forged_buttons_and_odd_input_at_every_step(
    fuzzed: Fuzzed, scenario: tuple[State | None, list[tuple[str, Any]]], anyone: int
) -> None:
    """The person whose step it is, at any step of any flow (with what the earlier steps noted),
    presses forged buttons or sends odd things: each press answered, no error handler."""
    telegram, linli = fuzzed.telegram, fuzzed.linli
    state, steps = scenario
    await reset_conversations(fuzzed)
    telegram_id = WHO_HAS_THE_STATE[role_of(state)] if state else anyone
    if state is not None:
        context = linli.app.dispatcher.fsm.get_context(linli.app.bot, telegram_id, telegram_id)
        await context.set_state(state)
        await context.set_data(notes_of_earlier_steps(state, fuzzed.row_ids))
    mark = telegram.state.seq
    with errors_seen() as errors:
        queries = [await perform(telegram, kind, telegram_id, value) for kind, value in steps]
    where = state.state if state else "no step"
    unanswered = [
        telegram.state.callback_queries[query].data
        for query in queries
        if query is not None and telegram.state.callback_queries[query].answer is None
    ]
    assert not unanswered, f"button presses left unanswered at {where}: {unanswered}"
    assert not errors.records, f"at {where}:\n" + "\n".join(errors.describe())
    assert not [text for text in bot_texts_since(telegram, mark) if said_sorry(text)]


STALE = "This button is no longer active. Please use the latest message."


async def test_what_the_fuzzer_found_stays_fixed(fuzzed: Fuzzed) -> None:
    """Each crash the fuzzer found, as a conversation: forged ids that are not numbers or do
    not fit a database column, and a name longer than a reply can carry."""
    telegram = fuzzed.telegram
    lin = telegram.users[COORDINATOR]
    await lin.send_command("/pair")
    question = lin.last.message_id
    for forged in ("pr:res:abc", "pr:res:" + "9" * 30, "pr:res:²"):
        await lin.press_data(forged, message_id=question)
        assert lin.callback_answers[-1].text == STALE
    await lin.press_data("pr:rpage:²", message_id=question)  # a page that cannot be: ignored
    assert lin.callback_answers[-1].text is None
    await lin.send_text("x" * 4042)
    assert "type a part of the name" in lin.last.text
    await lin.send_text("Mei")  # the step still works
    await lin.tap("Mei · Building 5")
    assert "Who will visit" in lin.last.text
    await lin.press_data("pr:vol:2147483648", message_id=lin.last.message_id)
    assert lin.callback_answers[-1].text == STALE

    await lin.send_command("/enrol")
    await lin.press_data("cs:who:²", message_id=lin.last.message_id)
    assert lin.callback_answers[-1].text == "This person is no longer a registered resident."
    mei = telegram.users[RESIDENT]
    await mei.press_data("rq:cancel:" + "9" * 30, message_id=mei.last.message_id)
    assert mei.callback_answers[-1].text == STALE


async def test_a_person_who_blocked_the_bot_presses_a_button_in_a_group(fuzzed: Fuzzed) -> None:
    """The answer would go to their private chat, which Telegram refuses (403): not an error,
    and the press is still answered."""
    telegram = fuzzed.telegram
    lin = telegram.users[COORDINATOR]
    in_group = telegram.groups[COORDINATORS_CHAT].as_user(COORDINATOR)
    await lin.block_bot()
    with errors_seen() as errors:
        await in_group.send_command("/language", mention=True)
        await in_group.press_data("lang:en", message_id=in_group.last.message_id)
    assert not errors.records, "\n".join(errors.describe())
    assert in_group.callback_answers[-1] is not None
