"""Every button checks its presser: forged callback data (words where numbers go, numbers too
big for the database, negative ids, unknown steps) for every kind of button, pressed by a
stranger, a resident, a volunteer and a coordinator, idle and in the middle of each
conversation, gets a kind answer; never "something went wrong". (The calendar file of an
event going only to those it was sent to is in test_broadcasts.py.)"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator

import pytest
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select

from bot import callbacks
from bot.clock import ManualClock
from bot.delivery.outbox import Priority, enqueue_message
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from storage.models import User, UserRole, VolunteerProfile
from tests.e2e.community import (
    COORDINATORS_CHAT,
    open_request,
    person,
    resident_and_coordinator,
    running_community,
)
from tests.e2e.steps import agree_to_register, offer_skills_and_languages

STALE = "This button is no longer active. Please use the latest message."
WENT_WRONG = "something went wrong"
CHUNK = 40  # presses queued at once: all answered well within Telegram's 15 seconds
BAD_NUMBERS = ("x", "99999999999999999999")
# the step names each kind of button uses, real and made up
STEPS: dict[str, tuple[str, ...]] = {
    "role": ("resident", "volunteer", "coordinator"),
    "consent": ("1", "0"),
    "lang": ("ask", "xx"),  # a real language or "yes, delete" would only do what they say
    "priv": ("ask", "keep"),
    "nr": ("cat", "urgent", "gcat", "when", "day", "save", "confirm"),
    "rq": ("cancel", "cancel_yes", "keep", "rate", "comment", "nocomment", "answer"),
    "rv": (
        *("card", "approve", "category", "setcat", "urgency", "ask", "duplicate", "reject"),
        *("rejectwhy", "assign", "pick", "unassign", "show"),
    ),
    "tk": ("claim", "view", "page", "start", "done", "minutes", "release", "release_yes", "keep"),
    "vd": ("1", "0"),
    "sv": ("0", "1", "2147483647"),  # a community's id is the whole button
    "sd": ("1", "2"),  # the volunteer's id, then the community's and yes or no
    "vo": ("skill", "lang", "done"),
    "bc": (
        *("aud", "audlang", "locale", "more", "event", "cap", "send", "schedule", "go"),
        *("stop", "cancel", "where"),
    ),
    "ev": ("yes", "no", "ics", "who"),
    "ci": ("fine", "help"),
    "ca": ("take", "ok", "no"),
    "pr": ("res", "vol", "rpage", "vpage", "cad", "day", "time", "nocode", "go", "stop"),
    "vs": ("yes", "no", "skip", "log", "out", "wb", "min", "typemin", "note"),
    "cs": (
        *("self", "who", "rpage", "time", "typetime", "timesdone", "day", "daysdone"),
        *("vol", "vpage", "voldone", "phone", "contactdone", "send", "restart", "cancel"),
    ),
    "cp": ("agree", "decline", "away", "days", "date", "back", "stop", "stopyes", "keep"),
    "cx": ("ask", "yes", "no"),
    "pl": ("0", "1", "2147483647"),  # a place's id is the whole button
    "pa": ("add", "open", "rename", "hide", "show", "back"),
    "call": ("ask", "done"),
    "glang": ("xx",),  # a real language would only do what it says
    "home": ("pick", "page"),  # the community tapped while registering
    "num": ("period", "xlsx", "csv", "digest", "day", "hour", "stop"),
    "post": ("0", "1", "2147483647"),  # a community's id, then a place's
    "cn": ("skip", "hear", "send", "cancel"),
    "cc": (
        *("link", "hh", "hpage", "new", "merge", "into", "fu", "fuk", "fuo", "fud", "close"),
        *("file", "back", "card"),
    ),
    "fu": ("done", "filedone"),
    "hf": ("open", "page", "list", "needs", "set", "contact", "member", "rename", "xlsx"),
    "hrs": ("0", "5", "2147483647"),  # where a page of one's own time account starts
    "fs": (
        *("in", "out", "public", "csv", "camp", "nocamp", "anon", "norcpt", "hh", "hhpage"),
        *("cat", "nonote"),
    ),
    "fc": ("list", "new", "end", "go", "no", "close"),
    "ff": ("ask",),
    "fp": ("approve", "cancel"),
    "tg": ("start", "hh", "hhpage"),
    "fn": ("1", "0"),  # yes or no is the whole button
    "gb": ("1", "0"),
    "ws": ("hh", "kind", "value", "age", "confirm"),
    "wr": ("approve", "edit", "ask", "decline", "received"),
    "wa": ("light", "release", "given", "pickup", "got", "answer", "more"),
    "wc": ("day", "go"),
    "svs": ("start", "who", "often", "day", "hour", "q", "done", "stop"),
    "sva": ("a", "skip"),  # a survey's answer, for an invite that is someone else's or none
    "cert": ("ask", "png", "pdf"),  # one's own hours certificate: whose is read from the presser
    "st": (
        *("menu", "in", "out", "pledges", "newpledge", "wish", "item", "new", "food", "noexp"),
        *("anon", "pledge", "hh", "hhpage", "shop", "every", "today", "wpick", "how"),
    ),
    "of": ("start", "kind", "min", "when"),
    "oa": ("withdraw", "req", "reqpick", "wish", "wishpick", "done"),
}


def callback_classes() -> list[type[CallbackData]]:
    return [
        value
        for value in vars(callbacks).values()
        if inspect.isclass(value) and issubclass(value, CallbackData) and value is not CallbackData
    ]


def forgeries(prefix: str | None = None, bad: tuple[str, ...] = BAD_NUMBERS) -> list[str]:
    """For each kind of button: each step name with each field after it forged in turn (with
    `bad=()`, every step with plausible ids: a button of someone else's)."""
    forged = []
    for kind in callback_classes():
        kind_prefix = kind.__prefix__  # type: ignore[attr-defined]
        if prefix is not None and kind_prefix != prefix:
            continue
        fields = list(kind.model_fields)
        for step in (*STEPS[kind_prefix], "zzz"):
            rest = ["1"] * (len(fields) - 1)
            for position in range(len(rest)):
                for value in bad:
                    values = [*rest[:position], value, *rest[position + 1 :]]
                    forged.append(":".join([kind_prefix, step, *values]))
            # last, as a real button would be: it may move the conversation on, so that the
            # forgeries of the next step meet that step
            forged.append(":".join([kind_prefix, step, *rest]))
    assert {f.split(":")[0] for f in forged} >= set(STEPS) or prefix
    return forged


class FailedUpdates(logging.Handler):
    """Collects the error handler's "update_failed" lines."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.failures: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.failures.append(f"{record.getMessage()}: {error!r}")


@pytest.fixture
def failed_updates() -> Iterator[FailedUpdates]:
    collector = FailedUpdates()
    logger = logging.getLogger("linli.errors")
    logger.addHandler(collector)
    yield collector
    logger.removeHandler(collector)


async def press_all(
    telegram: FakeBotAPI, person: ChatUser, forged: list[str], failed: FailedUpdates
) -> None:
    """Press every forgery on the person's latest bot message (all queued at once, as a crowd
    of taps would be); each must be answered, none may fail."""
    message_id = person.last.message_id
    for start in range(0, len(forged), CHUNK):
        chunk = forged[start : start + CHUNK]
        before = len(person.callback_answers)
        for data in chunk:
            await person.press_data(data, message_id=message_id, wait=False)
        expected = before + len(chunk)
        await telegram.state.feed.wait_for(
            lambda expected=expected: len(person.callback_answers) >= expected or None, 60
        )
        assert not failed.failures, (failed.failures[:5], chunk)
    assert not [m for m in person.messages if WENT_WRONG in m.text]


async def test_forged_buttons_get_a_kind_answer_from_everyone_in_every_state(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock, failed_updates: FailedUpdates
) -> None:
    async with running_community(telegram, database_url, clock) as linli:
        resident_row, coordinator_row = await resident_and_coordinator(linli, telegram)
        await person(linli, telegram, 503, UserRole.VOLUNTEER, name="Tao")
        await open_request(linli, resident_row, coordinator_row)
        resident, coordinator = telegram.users[501], telegram.users[502]
        volunteer = telegram.users[503]
        stranger = telegram.user(504, first_name="Zed", language_code="en")
        everything = forgeries()

        await stranger.send_command("/help")
        await press_all(telegram, stranger, forgeries(bad=()), failed_updates)
        await coordinator.send_command("/help")
        await press_all(telegram, coordinator, everything, failed_updates)
        for someone in (resident, volunteer):  # others' buttons, with ids that exist
            await someone.send_command("/help")
            await press_all(telegram, someone, forgeries(bad=()), failed_updates)

        # in the middle of each conversation, the buttons of that conversation
        await resident.send_command("/request")
        await press_all(telegram, resident, forgeries("nr"), failed_updates)
        await resident.send_command("/cancel")
        for command, prefix in (("/pair", "pr"), ("/enrol", "cs"), ("/broadcast", "bc")):
            await coordinator.send_command(command)
            await press_all(telegram, coordinator, forgeries(prefix), failed_updates)
            await coordinator.send_command("/cancel")
        newcomer = telegram.user(506, first_name="Nia", language_code="en")
        await agree_to_register(newcomer, "volunteer")
        await newcomer.send_text("Nia")
        await newcomer.tap_reply("⏭ Skip")
        await newcomer.tap("📍 Building 5")
        assert "What kinds of help can you offer" in newcomer.last.text
        await press_all(telegram, newcomer, forgeries("vo"), failed_updates)
        await offer_skills_and_languages(newcomer)
        async with linli.app.session_factory() as s:
            nia = await s.scalar(select(User).where(User.telegram_id == 506))
            assert nia is not None
            profile = await s.get(VolunteerProfile, nia.id)
            assert profile is not None and profile.skills == ["shopping"]  # nothing forged

        await volunteer.send_command("/tasks")
        await press_all(telegram, volunteer, forgeries("tk"), failed_updates)

        group = telegram.group(COORDINATORS_CHAT, "Coordinators", members=[502, 503])
        async with linli.app.session_factory() as s:
            await enqueue_message(
                s,
                chat_id=COORDINATORS_CHAT,
                text="Buttons below",
                kind="notice",
                priority=Priority.NOTICE,
                clock=linli.clock,
            )
            await s.commit()
        linli.app.dispatcher["outbox"].wake()
        await group.wait_for_message(lambda m: "Buttons below" in m.text)
        for member in (502, 503):
            await press_all(
                telegram, group.as_user(member), forgeries("rv") + forgeries("tk"), failed_updates
            )


async def test_another_conversations_stop_button_does_not_end_this_one(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> None:
    async with running_community(telegram, database_url, clock) as linli:
        await resident_and_coordinator(linli, telegram)
        mei = telegram.users[501]
        await mei.send_command("/request")
        await mei.tap("🛒 Shopping and errands")
        await mei.send_text("Rice and eggs")
        question = mei.last
        assert "When do you need help?" in question.text
        for forged in (
            callbacks.PairStep(action="stop").pack(),  # from an old /pair message
            callbacks.CheckinSetupStep(action="cancel").pack(),
            callbacks.BroadcastStep(action="cancel", broadcast_id=1).pack(),
        ):
            await mei.press_data(forged, message_id=question.message_id)
        assert not [m for m in mei.replies if "Stopped" in m.text]
        await mei.tap("⚡ As soon as possible", message_id=question.message_id)
        assert "🏠 Flat 3B, Lane 12" in mei.last.text  # her request goes on, to the summary
