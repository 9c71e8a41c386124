"""Two hundred people open the bot in the same minute and register at once, through the fake
Telegram, with the bot handling updates concurrently as `linli run` does: every one of them is
registered, nobody is told "something went wrong", and every button press is answered once.

The error count and the p99 time from a person's action to the bot's reply are printed (run
with `-s` to see them); only the errors are asserted, timings depend on the machine."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.emulator.views import ChatMessage
from storage.models import User, UserRole
from tests.e2e.harness import RunningBot

# On PostgreSQL too: many updates at once on one database. Alone: it measures how the bot
# keeps up on this machine, which tests running beside it would halve.
pytestmark = [pytest.mark.postgresql, pytest.mark.alone]

CROWD = int(os.environ.get("LINLI_CROWD", "200"))  # a smaller crowd for a quick look
FIRST_ID = 20_001
REPLY_TIMEOUT = 60.0
SOMETHING_WENT_WRONG = "something went wrong"


class Crowd:
    """The people of the crowd, how long each of their replies took, and what went wrong."""

    def __init__(self, telegram: FakeBotAPI) -> None:
        self.telegram = telegram
        self.reply_times: list[float] = []
        self.failures: list[str] = []

    async def step(
        self, person: ChatUser, action: Awaitable[object], expected: str | Callable[[], bool]
    ) -> None:
        """Do something, then wait for the bot's answer: a message containing `expected`, or
        (for a button that only edits) the condition."""
        started = time.monotonic()
        await action
        if isinstance(expected, str):
            await person.wait_for_message(
                lambda m: expected in m.text or _went_wrong(m), timeout=REPLY_TIMEOUT
            )
        else:
            await self.telegram.state.feed.wait_for(lambda: expected() or None, REPLY_TIMEOUT)
        self.reply_times.append(time.monotonic() - started)

    async def registers(self, person: ChatUser, *, volunteer: bool) -> None:
        name = f"Neighbour {person.id}"
        await self.step(person, person.send_command("/start", wait=False), "Do you need some")
        choice = "🤝 I want to volunteer" if volunteer else "🙋 I need help"
        await self.step(person, person.tap(choice, wait=False), "🔒")
        await self.step(
            person, person.tap("✍️ I agree, with another name", wait=False), "What is your name?"
        )
        await self.step(person, person.send_text(name, wait=False), "phone number")
        # no places are defined, so nobody taps one: residents give their exact address
        share = person.tap_reply("📱 Share my phone number", wait=False)
        if not volunteer:
            await self.step(person, share, "exact address")
            await self.step(person, person.send_text("5 Maple Court", wait=False), "registered")
            return
        await self.step(person, share, "What kinds of help")
        await self.toggle(person, "🛒 Shopping and errands")
        await self.step(person, person.tap("➡️ Done", wait=False), "Which languages")
        await self.toggle(person, "Mandarin")
        await self.step(person, person.tap("➡️ Done", wait=False), "Thank you for volunteering")

    async def toggle(self, person: ChatUser, label: str) -> None:
        """A button that only changes its own mark: the answer to the press is the reply."""
        answered = len(person.callback_answers)
        await self.step(
            person,
            person.tap(label, wait=False),
            lambda: len(person.callback_answers) > answered,
        )

    async def everyone_registers(self, people: list[ChatUser]) -> None:
        async def one(index: int, person: ChatUser) -> None:
            try:
                await self.registers(person, volunteer=is_volunteer(index))
            except (AssertionError, TimeoutError) as error:
                self.failures.append(f"{person.id}: {type(error).__name__}: {error}"[:300])

        await asyncio.gather(*(one(index, person) for index, person in enumerate(people)))

    def p99(self) -> float:
        ordered = sorted(self.reply_times)
        return ordered[int(0.99 * (len(ordered) - 1))] if ordered else float("nan")


def is_volunteer(index: int) -> bool:
    """One in four of the crowd registers as a volunteer (two more steps, toggled buttons)."""
    return index % 4 == 0


def _went_wrong(message: ChatMessage) -> bool:
    return SOMETHING_WENT_WRONG in message.text


async def test_two_hundred_people_register_at_once(
    telegram: FakeBotAPI,
    database_url: str,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    linli = RunningBot(
        telegram,
        telegram.base_url,
        clock,
        database_url=database_url,
        default_locale="en",
        handle_as_tasks=True,
        # The database under a crowd, not the send budget (tested on its own in
        # tests/test_outbox_leases.py): at the default 25 a second, the 1,350 replies of this
        # crowd would take 54 s at the least, however fast everything else is.
        outbox_rate=1000,
    )
    await linli.start()
    try:
        people = [
            telegram.user(FIRST_ID + n, first_name=f"N{n}", language_code="en")
            for n in range(CROWD)
        ]
        crowd = Crowd(telegram)
        started = time.monotonic()
        await crowd.everyone_registers(people)
        took = time.monotonic() - started

        async with linli.app.session_factory() as session:
            registered = await session.scalar(
                select(func.count()).select_from(User).where(User.onboarded_at.is_not(None))
            )
            volunteers = await session.scalar(
                select(func.count()).select_from(User).where(User.role == UserRole.VOLUNTEER)
            )
    finally:
        await linli.stop()

    went_wrong = [p.id for p in people for m in p.messages if _went_wrong(m)]
    locked = [r.getMessage() for r in caplog.records if "database is locked" in _logged(r)]
    failed_answers = [
        c.summary()[:200] for c in telegram.calls if c.method == "answerCallbackQuery" and not c.ok
    ]
    unanswered = [q.id for q in telegram.state.callback_queries.values() if q.answer is None]
    queries = telegram.state.callback_queries
    wall = time.time() - time.monotonic()  # calls are stamped with time.time(), presses not
    answer_waits = sorted(
        c.at - wall - queries[c.params["callback_query_id"]].created_at
        for c in telegram.calls
        if c.method == "answerCallbackQuery" and c.params["callback_query_id"] in queries
    )
    errors = len(crowd.failures) + len(went_wrong) + len(locked) + len(failed_answers)
    errors += len(unanswered)
    print(
        f"\ncrowd of {CROWD} on {database_url.split(':')[0]}: errors={errors} "
        f"p99 reply={crowd.p99():.2f}s over {len(crowd.reply_times)} replies, "
        f"all registered in {took:.1f}s; button presses answered within "
        f"{answer_waits[int(0.99 * (len(answer_waits) - 1))] if answer_waits else 0:.2f}s (p99)"
    )
    assert not crowd.failures, crowd.failures[:5]
    assert not went_wrong, f"{len(went_wrong)} people were told something went wrong"
    assert not locked, locked[:3]
    assert not failed_answers, failed_answers[:5]
    assert not unanswered, f"{len(unanswered)} button presses never answered"
    assert registered == CROWD
    assert volunteers == sum(is_volunteer(index) for index in range(CROWD))


def _logged(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        text += " " + repr(record.exc_info[1])
    return text
