"""The whole life of a help request, many at once, through the real Dispatcher (run by hand).

    .venv/bin/python -m benchmarks.request_cycle --pairs 40

Each pair is a resident and a volunteer. All pairs at once: the resident asks (/request,
category, words, when, where, notes, send), one coordinator approves each card, the volunteer
opens /tasks and claims that task, says "on my way" and "done" with the time spent, and the
resident rates it. Every tap is one update through the fake Telegram Bot API over HTTP, handled
by the real bot (polling, updates handled as tasks, on an SQLite file by default).

Prints updates per second and p50/p99 handling time (from the update reaching the Dispatcher to
its handler returning), next to the same figures, measured in the same run, for a bare aiogram
Dispatcher whose one handler does nothing, fed the same number of updates the same way."""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message

from bot.app import build_application
from bot.callbacks import TaskAction
from bot.clock import SystemClock
from bot.config import load_settings
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from storage.models import UserRole
from tests.people import make_person

COORDINATOR = 10
RESIDENTS = 1000
VOLUNTEERS = 5000
TIMEOUT = 60.0


class HandlingTimes:
    """Wraps `Dispatcher.feed_update`, which polling calls for every update, to time it."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.durations: list[float] = []
        inner = dispatcher.feed_update

        async def timed(bot: Bot, update: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await inner(bot, update, **kwargs)
            finally:
                self.durations.append(time.perf_counter() - started)

        dispatcher.feed_update = timed  # type: ignore[method-assign]

    def report(self, name: str, wall: float) -> tuple[float, float, float]:
        count = len(self.durations)
        ordered = sorted(self.durations)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[min(count - 1, int(count * 0.99))] * 1000
        rate = count / wall
        print(
            f"{name:<22} {count:>6} updates  {rate:8.1f} updates/s  "
            f"p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"
        )
        return rate, p50, p99


async def _with_polling(
    dispatcher: Dispatcher, bot: Bot, body: Callable[[], Awaitable[None]]
) -> float:
    polling = asyncio.create_task(
        dispatcher.start_polling(
            bot,
            handle_as_tasks=True,
            handle_signals=False,
            polling_timeout=1,
            close_bot_session=False,
        )
    )
    await asyncio.sleep(0.5)
    started = time.perf_counter()
    try:
        await body()
    finally:
        wall = time.perf_counter() - started
        await dispatcher.stop_polling()
        await polling
    return wall


def _message_with(person: ChatUser, text: str) -> int:
    for message in reversed(person.messages):
        if text in message.text:
            return message.message_id
    raise AssertionError(f"{person!r} has no message with {text!r}")


async def _tap_when_shown(person: ChatUser, label: str) -> None:
    """Wait until a bot message (new or edited) shows a button with `label`, then tap it."""

    def shown() -> int | None:
        for message in reversed(person.messages):
            if any(label in button for row in message.buttons for button in row):
                return message.message_id
        return None

    message_id = await person.api.state.feed.wait_for(shown, TIMEOUT)
    await person.tap(label, message_id=message_id)


async def _cycle(coordinator: ChatUser, resident: ChatUser, volunteer: ChatUser) -> None:
    await resident.send_command("/request")
    await _tap_when_shown(resident, "🛒 Shopping and errands")
    await resident.wait_for_message(timeout=TIMEOUT)
    await resident.send_text("Rice, eggs and some fruit, please")
    await _tap_when_shown(resident, "⚡ As soon as possible")
    await _tap_when_shown(resident, "🏠")
    await _tap_when_shown(resident, "⏭ Skip")
    await _tap_when_shown(resident, "✅ Send")
    sent = await resident.wait_for_message(lambda m: "Request no." in m.text, timeout=TIMEOUT)
    match = re.search(r"Request no\. (\d+)", sent.text)
    assert match, sent.text
    number = int(match.group(1))

    card = await coordinator.api.state.feed.wait_for(
        lambda: next(
            (m for m in coordinator.messages if f"Request no. {number}:" in m.text and m.buttons),
            None,
        ),
        TIMEOUT,
    )
    await coordinator.tap("✅ Approve and publish", message_id=card.message_id)
    await coordinator.api.state.feed.wait_for(  # the card now offers what comes after approval
        lambda: (
            ["✅ Approve and publish"] not in coordinator.message(card.message_id).buttons or None
        ),
        TIMEOUT,
    )

    await volunteer.send_command("/tasks")
    tasks = await volunteer.wait_for_message(lambda m: bool(m.buttons), timeout=TIMEOUT)
    await volunteer.press_data(
        TaskAction(action="claim", request_id=number).pack(), tasks.message_id
    )
    await _tap_when_shown(volunteer, "🚶 On my way")
    await _tap_when_shown(volunteer, "✅ Done")
    await _tap_when_shown(volunteer, "1 h")
    await _tap_when_shown(resident, "😄 5 · Excellent")


async def measure_linli(telegram: FakeBotAPI, pairs: int, database: str) -> tuple[float, int]:
    settings = load_settings(
        _env_file=None,
        bot_token=telegram.token,
        telegram_api_url=telegram.base_url,
        database_url=database,
        default_locale="en",
        outbox_rate=1000,
        max_open_claims=50,
        quiet_hours="off",  # real time: the residents' notices must not wait for the morning
    )
    clock = SystemClock()
    app = await build_application(settings, clock)
    async with app.session_factory() as session:
        await make_person(session, clock, COORDINATOR, UserRole.COORDINATOR, name="Lin")
        for n in range(pairs):
            await make_person(
                session, clock, RESIDENTS + n, UserRole.RESIDENT, name=f"Resident {n}",
                address=f"Flat {n}, Building 5", locale="en",
            )  # fmt: skip
            await make_person(
                session, clock, VOLUNTEERS + n, UserRole.VOLUNTEER, name=f"Volunteer {n}",
                locale="en",
            )  # fmt: skip
        await session.commit()
    coordinator = telegram.user(COORDINATOR, first_name="Lin", language_code="en")
    people = [
        (
            telegram.user(RESIDENTS + n, first_name="Mei", language_code="en"),
            telegram.user(VOLUNTEERS + n, first_name="Tao", language_code="en"),
        )
        for n in range(pairs)
    ]
    times = HandlingTimes(app.dispatcher)

    async def everyone() -> None:
        await asyncio.gather(
            *(_cycle(coordinator, resident, volunteer) for resident, volunteer in people)
        )

    wall = await _with_polling(app.dispatcher, app.bot, everyone)
    await app.close()
    rate, _, _ = times.report("linli, whole cycle", wall)
    return rate, len(times.durations)


async def measure_bare(telegram: FakeBotAPI, updates: int, senders: int) -> float:
    """The same transport and number of updates, handled by a handler that does nothing."""
    router = Router()

    async def nothing(event: Message | CallbackQuery) -> None:
        return None

    router.message.register(nothing)
    router.callback_query.register(nothing)
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))
    bot = Bot(telegram.token, session=session)
    times = HandlingTimes(dispatcher)
    people = [telegram.user(90_000 + n, first_name="Bare") for n in range(senders)]
    per_person = max(1, updates // senders)

    async def talk(person: ChatUser) -> None:
        for n in range(per_person):
            await person.send_text(f"hello {n}")

    async def everyone() -> None:
        await asyncio.gather(*(talk(person) for person in people))

    wall = await _with_polling(dispatcher, bot, everyone)
    await bot.session.close()
    rate, _, _ = times.report("bare aiogram, no-op", wall)
    return rate


async def run(pairs: int, database: str | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    url = database or f"sqlite+aiosqlite:///{workdir / 'cycle.sqlite3'}"
    async with FakeBotAPI() as telegram:
        print(f"{pairs} residents and {pairs} volunteers at once, database {url.split(':')[0]}")
        linli_rate, updates = await measure_linli(telegram, pairs, url)
    async with FakeBotAPI() as telegram:
        bare_rate = await measure_bare(telegram, updates, senders=2 * pairs)
    print(f"linli handles {linli_rate / bare_rate:.2f} of the bare dispatcher's update rate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--database", help="a scratch PostgreSQL URL (it is migrated and filled)")
    args = parser.parse_args()
    asyncio.run(run(args.pairs, args.database))


if __name__ == "__main__":
    main()
