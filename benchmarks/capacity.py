"""How many updates a second the bot keeps up with: an open-loop load (run by hand).

    .venv/bin/python -m benchmarks.capacity --rate 50 --people 500 --seconds 60
    .venv/bin/python -m benchmarks.capacity --database postgresql
    .venv/bin/python -m benchmarks.capacity --find-max --seconds 20

Updates from many distinct people are offered at `--rate` a second (Poisson-spaced), each at
its time whether or not earlier ones are finished; a person's next step waits for the answer
to their last, as a person's would (see benchmarks/neighbours.py for who does what). Each
update goes straight into the real aiogram Dispatcher with our handlers
(`dispatcher.feed_update`, as a webhook hands it over: no getUpdates batching in the figures),
on a fresh SQLite file or a scratch PostgreSQL database at 127.0.0.1:5432; the bot's Bot API
requests go over HTTP to the fake Telegram in this process, which also plays the people.

Printed: updates handled a second; p50/p99 handling time (from the update's offered time to
its handler's return) and reply time (to the first answer about that person's chat coming back
from the fake Telegram); CPU ms per update (this process's CPU time, fake Telegram and people
included, over the updates handled). Beside it, in the same run, the same for a bare aiogram
Dispatcher whose one handler answers each message (a message with a button) and each press,
fed the same way by as many people. `--find-max` raises the rate until p99 handling time
passes 200 ms, for linli and for the bare Dispatcher, and prints the highest rates held.

The send budget is lifted (OUTBOX_RATE 1000): this measures handling, not Telegram's 30
messages a second (benchmarks/outbox_throughput.py measures the budget)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import math
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.engine import make_url

from benchmarks.load import DirectFeed, Figures, Pacer, ReplyClock, Story, hand_over, measure
from benchmarks.neighbours import PLACES, before_nine, nine_strikes, seed, stories
from bot.app import build_application
from bot.config import load_settings
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
P99_HELD_MS = 200.0
WENT_WRONG = "something went wrong"


@contextlib.asynccontextmanager
async def scratch_database(kind: str) -> AsyncIterator[str]:
    """A fresh SQLite file, or a PostgreSQL database made for this run and dropped after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="linli-capacity-") as directory:
            yield f"sqlite+aiosqlite:///{Path(directory) / 'capacity.sqlite3'}"
        return
    from tests.databases import _execute

    admin = kind if "://" in kind else POSTGRES
    name = f"linli_capacity_{uuid.uuid4().hex[:8]}"
    await _execute(admin, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        await _execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def measure_linli(rate: float, people: int, seconds: float, url: str) -> Figures:
    """linli on the database at `url` (migrated here; it should be empty)."""
    async with FakeBotAPI() as telegram:
        hand_over(telegram)
        clock = before_nine()
        settings = load_settings(
            _env_file=None,
            bot_token=telegram.token,
            telegram_api_url=telegram.base_url,
            database_url=url,
            default_locale="en",
            outbox_rate=1000,
            max_open_claims=50,
            quiet_hours="off",
            places=",".join(PLACES),
        )
        app = await build_application(settings, clock)
        app.bot.session.middleware(ReplyClock())
        community = await seed(app.session_factory, clock, people)
        dispatcher = app.dispatcher
        context = {"dispatcher": dispatcher, "bots": [app.bot], **dispatcher.workflow_data}
        await dispatcher.emit_startup(bot=app.bot, **context)
        feed = DirectFeed(dispatcher, app.bot, Pacer(rate, seconds))
        told = stories(telegram, feed, community)
        nine_strikes(clock)
        scheduler = dispatcher["scheduler"]
        wave = asyncio.create_task(scheduler.tick())  # 09:00: the elders' check-ins go out
        try:
            with frozen_garbage():
                figures = await measure("linli", feed, told)
        finally:
            await wave
            await dispatcher.emit_shutdown(bot=app.bot, **context)
            await app.close()
        figures.late_answers = len(telegram.refused_calls("answerCallbackQuery"))
        figures.errors += [
            f"{person!r} was told something went wrong"
            for person in telegram.users.values()
            if any(WENT_WRONG in message.text for message in person.messages)
        ]
        return figures


async def measure_bare(rate: float, people: int, seconds: float) -> Figures:
    """A Dispatcher with one handler: a message gets a message with a button, a press its
    answer. People alternate between the two."""
    router = Router()
    button = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="👍", callback_data="ok")]]
    )

    @router.message()
    async def answer_message(message: Message) -> None:
        await message.answer("Hello", reply_markup=button)

    @router.callback_query()
    async def answer_press(query: CallbackQuery) -> None:
        await query.answer()

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    async with FakeBotAPI() as telegram:
        hand_over(telegram)
        assert telegram.base_url
        session = AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url))
        session.middleware(ReplyClock())
        bot = Bot(telegram.token, session=session)
        feed = DirectFeed(dispatcher, bot, Pacer(rate, seconds))

        def story(person: ChatUser) -> Story:
            async def talk() -> None:
                while True:
                    await feed.step(person, lambda: person.send_text("hello", wait=False))
                    await feed.step(person, lambda: person.tap("👍", wait=False))

            return talk

        chats = [telegram.user(100_001 + n, first_name="B") for n in range(people)]
        try:
            with frozen_garbage():
                return await measure("bare aiogram", feed, [story(chat) for chat in chats])
        finally:
            await bot.session.close()


@contextlib.contextmanager
def frozen_garbage() -> AsyncIterator[None]:  # type: ignore[misc]
    """What `linli run` does once started: long-lived objects out of the collector's sight."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def held(figures: Figures) -> bool:
    """The rate was kept up with: p99 within 200 ms, nothing failed, the load was offered."""
    planned = figures.offered + figures.lost
    return (
        figures.p99 <= P99_HELD_MS
        and not figures.errors
        and figures.lost <= 0.02 * planned
        and figures.handled == figures.offered
    )


async def one_rate(rate: float, people: int, seconds: float, database: str) -> None:
    async with scratch_database(database) as url:
        linli = await measure_linli(rate, people, seconds, url)
    print(linli.line(), flush=True)
    print(linli.steps(), flush=True)
    bare = await measure_bare(rate, people, seconds)
    print(bare.line(), flush=True)
    print(f"load average of the machine: {os.getloadavg()[0]:.1f} (the last minute)")
    for error in linli.errors[:5] + bare.errors[:5]:
        print("  error:", error)
    print(
        f"linli/bare: handled rate {linli.handled_rate / bare.handled_rate:.2f}, "
        f"p50 {linli.p(linli.handling, 0.5) / bare.p(bare.handling, 0.5):.1f}x, "
        f"p99 {linli.p99 / bare.p99:.1f}x, CPU per update {linli.cpu_ms / bare.cpu_ms:.1f}x; "
        f"a whole core would do at most {1000 / linli.cpu_ms:.0f} updates/s for linli, "
        f"{1000 / bare.cpu_ms:.0f} for the bare Dispatcher"
    )


async def highest_held(measure_at: Callable[[float], Awaitable[Figures]], start: float) -> float:
    """Up (or down) by half from `start` until one rate is held and the next is not, then two
    halvings of that step; the highest rate held (0 when not even 1 a second is)."""

    async def keeps_up(rate: float) -> bool:
        figures = await measure_at(rate)
        print(f"{rate:7.1f}/s offered  " + figures.line(), flush=True)
        return held(figures)

    kept, missed = 0.0, start
    if await keeps_up(start):
        kept, missed = start, start * 1.5
        while missed <= 5000 and await keeps_up(missed):
            kept, missed = missed, missed * 1.5
    else:
        while missed > 1.0:
            rate = missed / 1.5
            if await keeps_up(rate):
                kept = rate
                break
            missed = rate
    for _ in range(2):
        if not kept:
            break
        middle = math.sqrt(kept * missed)
        if await keeps_up(middle):
            kept = middle
        else:
            missed = middle
    return kept


async def find_max(start: float, people: int, seconds: float, database: str) -> None:
    """The highest rate held with p99 <= 200 ms, for linli and for the bare Dispatcher."""

    async def linli_at(rate: float) -> Figures:
        async with scratch_database(database) as url:
            return await measure_linli(rate, people, seconds, url)

    async def bare_at(rate: float) -> Figures:
        return await measure_bare(rate, people, seconds)

    linli = await highest_held(linli_at, start)
    bare = await highest_held(bare_at, start)
    ratio = f"{linli / bare:.3f}" if bare else "n/a"
    print(
        f"highest rate held (p99 <= {P99_HELD_MS:.0f} ms, nothing lost): linli {linli:.1f}/s, "
        f"bare aiogram {bare:.1f}/s, ratio {ratio}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="updates offered a second")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load lasts")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite, postgresql (a scratch database at 127.0.0.1:5432), or a PostgreSQL URL",
    )
    parser.add_argument("--find-max", action="store_true", help="raise the rate until p99 > 200 ms")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("linli.replies").setLevel(logging.ERROR)  # late presses: counted instead
    kind = "sqlite" if args.database == "sqlite" else args.database
    print(
        f"{args.people} people, {args.rate:g} updates/s offered for {args.seconds:g} s, "
        f"database {kind.split(':')[0]}, updates fed to Dispatcher.feed_update; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )
    if args.find_max:
        asyncio.run(find_max(args.rate, args.people, args.seconds, kind))
    else:
        asyncio.run(one_rate(args.rate, args.people, args.seconds, kind))


if __name__ == "__main__":
    main()
