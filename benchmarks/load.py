"""Open-loop load for the capacity benchmark: a pacer that offers updates at a chosen rate
whether or not earlier ones are finished, updates handed straight to a Dispatcher (as a webhook
would), and the figures of each update (offered, handled, its reply back from Telegram).

The fake Telegram (`FakeBotAPI`) plays the people: their messages and presses are built on
its chats, so buttons carry the bot's real callback data and its answers land in the chats,
but its update queue and getUpdates are bypassed (`hand_over`)."""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update

from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser

Story = Callable[[], Awaitable[None]]  # one person's steps, from first to last


class RunOver(Exception):
    """The run's time is up: the person stops acting."""


@dataclass
class Handled:
    """One offered update: when it was due, when its handler returned, when the first answer
    to its person (a message, an edit, a press answered) came back from Telegram."""

    chat_id: int
    offered: float
    what: str  # the step, for the figures by step
    done: float | None = None
    reply: float | None = None
    error: str | None = None


_current: contextvars.ContextVar[Handled | None] = contextvars.ContextVar(
    "capacity_update", default=None
)


class ReplyClock(BaseRequestMiddleware):
    """A request middleware on the bot's session: the first Bot API answer of an update's
    handler that concerns its person's chat is the moment the reply reached Telegram."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)
        handled = _current.get()
        if handled is not None and handled.reply is None:
            to_person = getattr(method, "chat_id", None) == handled.chat_id
            if to_person or isinstance(method, AnswerCallbackQuery):
                handled.reply = time.perf_counter()
        return response


def hand_over(telegram: FakeBotAPI) -> None:
    """People's actions on this fake Telegram return their update instead of queueing it for
    getUpdates: the benchmark hands each one to the Dispatcher itself."""
    state = telegram.state
    ids = itertools.count(1)

    def build(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        state.tick()
        return {"update_id": next(ids), kind: payload}

    state.enqueue_update = build  # type: ignore[method-assign]


class ChatWatch:
    """Wakes a person waiting for something in their chat when the bot calls Telegram about
    that chat (the emulator's own change feed would wake every waiter on every call)."""

    def __init__(self, telegram: FakeBotAPI) -> None:
        self._events: dict[int, asyncio.Event] = {}
        inner = telegram._record

        def record(*args: Any) -> None:
            inner(*args)
            chat_id = telegram._chat_of(args[0], args[1])
            event = self._events.get(chat_id) if chat_id is not None else None
            if event is not None:
                event.set()

        telegram._record = record  # type: ignore[method-assign]

    async def until(
        self,
        chat_id: int,
        found: Callable[[], Any],
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> Any:
        """The first truthy value of `found`, checked after each call about this chat."""
        event = self._events.setdefault(chat_id, asyncio.Event())
        async with asyncio.timeout(timeout):
            while True:
                event.clear()
                value = found()
                if value:
                    return value
                await event.wait()


class Pacer:
    """Offers turns at `rate` a second for `seconds`, at Poisson-spaced times: each turn goes to
    the person who has waited longest for one. A turn nobody is ready for is lost (counted):
    people still waiting for an answer do not act, as real people would not."""

    def __init__(self, rate: float, seconds: float, seed: int = 14) -> None:
        self.rate = rate
        self.seconds = seconds
        self.random = random.Random(seed)
        self.waiting: deque[asyncio.Future[float]] = deque()
        self.offered = 0
        self.lost = 0
        self.over = False
        self.started = 0.0
        self.in_hand = 0  # turns given whose update is not yet offered
        self.settled = asyncio.Event()

    async def turn(self) -> float:
        """Wait for my turn; the time it was due (perf_counter). RunOver when time is up."""
        if self.over:
            raise RunOver
        waiter = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        return await waiter

    def used(self) -> None:
        """A turn given has been used (its update offered, or the step failed)."""
        self.in_hand -= 1
        if self.in_hand == 0:
            self.settled.set()

    async def all_used(self) -> None:
        """After the run: every turn given has been used."""
        while self.in_hand:
            self.settled.clear()
            await self.settled.wait()

    async def run(self) -> None:
        self.started = due = time.perf_counter()
        end = self.started + self.seconds
        while True:
            due += self.random.expovariate(self.rate)
            if due >= end:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            while self.waiting and self.waiting[0].done():  # cancelled: gone
                self.waiting.popleft()
            if self.waiting:
                self.waiting.popleft().set_result(due)
                self.offered += 1
                self.in_hand += 1
            else:
                self.lost += 1
        self.over = True
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_exception(RunOver())


class DirectFeed:
    """Hands updates straight to `dispatcher.feed_update`, as aiogram's webhook handler and its
    polling loop do, each as a task of its own (polling's `handle_as_tasks`)."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, pacer: Pacer) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.pacer = pacer
        self.handled: list[Handled] = []
        self.failures: list[str] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def step(
        self, person: ChatUser, action: Callable[[], Awaitable[dict[str, Any]]], what: str = ""
    ) -> Handled:
        """On my turn, do `action` (a person's press or message) and wait for the bot to have
        handled it: the next step reads its answer."""
        due = await self.pacer.turn()
        try:
            update = await action()
            handled = Handled(person.id, due, what)
            self.handled.append(handled)
            task = asyncio.create_task(self._handle(update, handled))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        finally:
            self.pacer.used()
        await asyncio.shield(task)
        return handled

    async def _handle(self, raw: dict[str, Any], handled: Handled) -> None:
        _current.set(handled)
        try:
            update = Update.model_validate(raw, context={"bot": self.bot})
            response = await self.dispatcher.feed_update(self.bot, update)
            if isinstance(response, TelegramMethod):
                await self.bot(response)
        except Exception as error:  # noqa: BLE001 - counted and shown, the run goes on
            handled.error = f"{type(error).__name__}: {error}"[:200]
        finally:
            handled.done = time.perf_counter()

    async def drain(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait for every offered update's handler to return."""
        await self.pacer.all_used()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


async def act(people: list[Callable[[], Awaitable[None]]], feed: DirectFeed) -> None:
    """Run the people's stories beside the pacer until time is up, then let the bot finish."""

    async def one(story: Callable[[], Awaitable[None]]) -> None:
        try:
            await story()
        except RunOver:
            return
        except (AssertionError, TimeoutError) as error:
            feed.failures.append(f"{type(error).__name__}: {error}"[:300])

    stories = [asyncio.create_task(one(story)) for story in people]
    await feed.pacer.run()
    await feed.drain()
    for story in stories:
        story.cancel()
    await asyncio.gather(*stories, return_exceptions=True)


@dataclass
class Figures:
    """What one run measured."""

    name: str
    rate: float  # offered a second (planned)
    offered: int
    lost: int
    handled: int
    errors: list[str]
    wall: float  # from the first turn to the last handler's return
    cpu: float  # process CPU seconds over the same span
    handling: list[float] = field(default_factory=list)  # offered -> handler returned
    replies: list[float] = field(default_factory=list)  # offered -> reply back from Telegram
    by_step: dict[str, list[float]] = field(default_factory=dict)  # handling times by step
    late_answers: int = 0  # presses answered after Telegram's 15 s (their pop-up lost)

    @property
    def handled_rate(self) -> float:
        return self.handled / self.wall if self.wall else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.handled if self.handled else float("nan")

    def p(self, values: list[float], share: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def steps(self) -> str:
        """p50/p99 handling time of each kind of step, slowest p50 first."""
        rows = sorted(self.by_step.items(), key=lambda item: -self.p(item[1], 0.5))
        return "\n".join(
            f"  {what[:32]:<32} {len(times):>5}  p50 {self.p(times, 0.5):7.1f} ms"
            f"  p99 {self.p(times, 0.99):7.1f} ms"
            for what, times in rows
        )

    @property
    def p99(self) -> float:
        return self.p(self.handling, 0.99)

    def line(self) -> str:
        return (
            f"{self.name:<14} offered {self.offered:>5} ({self.lost} turns found nobody ready)"
            f"  handled {self.handled:>5}  {self.handled_rate:6.1f}/s"
            f"  handling p50 {self.p(self.handling, 0.5):6.1f} ms p99 {self.p99:7.1f} ms"
            f"  reply p50 {self.p(self.replies, 0.5):6.1f} ms"
            f" p99 {self.p(self.replies, 0.99):7.1f} ms"
            f"  CPU {self.cpu_ms:5.2f} ms/update ({100 * self.cpu / self.wall:3.0f}% of a core)"
            + (f"  presses answered too late {self.late_answers}" if self.late_answers else "")
            + (f"  errors {len(self.errors)}" if self.errors else "")
        )


async def measure(
    name: str, feed: DirectFeed, people: list[Callable[[], Awaitable[None]]]
) -> Figures:
    """Run the load and gather its figures."""
    cpu = time.process_time()
    await act(people, feed)
    cpu = time.process_time() - cpu
    handled = [h for h in feed.handled if h.done is not None and h.error is None]
    last = max((h.done for h in handled if h.done is not None), default=feed.pacer.started)
    errors = feed.failures + [h.error for h in feed.handled if h.error is not None]
    unfinished = sum(1 for h in feed.handled if h.done is None)
    if unfinished:
        errors.append(f"{unfinished} updates still being handled a minute after the end")
    by_step: dict[str, list[float]] = {}
    for h in handled:
        if h.done is not None:
            by_step.setdefault(h.what, []).append(h.done - h.offered)
    return Figures(
        name=name,
        rate=feed.pacer.rate,
        offered=len(feed.handled),
        lost=feed.pacer.lost,
        handled=len(handled),
        errors=errors,
        wall=max(last - feed.pacer.started, 1e-9),
        cpu=cpu,
        handling=[h.done - h.offered for h in handled if h.done is not None],
        replies=[h.reply - h.offered for h in handled if h.reply is not None],
        by_step=by_step,
    )
