"""The outbox sender: drains `outbox_messages` into Telegram within Telegram's limits.

Each row is marked `sending` (committed) before the request and `sent` after. What happens when
the answer never comes is the delivery policy of its kind (`delivers_at_least_once`): a message
that protects a person is sent again, any other is never repeated and becomes `interrupted`
(delivery unknown). A 429 pauses all sending for `retry_after` and hands the row back; 5xx
errors are retried with backoff a bounded number of times; a 403 marks the person unreachable.
A row that cannot be sent for a reason of its own (a payload that does not make a request) is
set aside with its reason, retried with backoff, and after a few tries marked failed and
flagged to the coordinators; nothing else waits for it. Several senders (processes) may run at
once: rows are claimed atomically, as leases that the sender renews while it lives; every
sender takes over, all the time, the rows whose lease ran out (their sender died or hangs).
Log lines name rows by id and kind, never their text.

How one request's outcome is judged is in `bot.delivery.attempt`.

To keep up with a high rate the sender works as a small pipeline:

- it claims about a second of work at a time (most urgent first) into a local buffer; claimed
  rows are only reserved, and go back to the queue if the sender stops or dies;
- about every tenth of a second of work one short transaction (an "exchange") writes the answers
  that came in, looks for rows more urgent than the buffer (a cheap index range), and marks the
  next `batch_size` rows whose chats may receive a message now `sending`, in one commit;
- a dispatcher takes the marked rows in priority order, waits for the next overall slot and a
  free one of `concurrency` request slots, and starts the request, so several requests are in
  flight at once, never two to the same chat (`SendRateLimiter`);
- each answer is kept in memory until the next exchange writes it; a crash in between leaves
  the row `sending`, so once its lease runs out it is sent again (at least once) or becomes
  `interrupted` (at most once).

Marked rows wait at most about `batch_size` messages before their request leaves; a sender that
stops hands them back (their request never left), one that crashes leaves them `sending`, to be
taken over like the rest: at-most-once is kept, at the price of those few rows."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import math
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Sequence

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.delivery.attempt import (
    Answer,
    RowRequest,
    UndeliverableHook,
    log_not_sent,
    take_ready,
    withdraw_blocked,
    write_answers,
)
from bot.delivery.leases import LEASE_SECONDS, Leases
from bot.delivery.ratelimit import SendLimits, SendRateLimiter
from storage.models import OutboxStatus
from storage.repositories import outbox as outbox_queries
from storage.repositories.outbox import ClaimedMessage

logger = logging.getLogger("linli.outbox")

SHORT_WAIT = 0.05  # seconds: shorter waits of the dispatcher are plain sleeps
# Seconds the dispatcher sleeps at least: it then starts the requests that fell due meanwhile
# together (the limiter lets it catch up), instead of waking up for each one at a high rate.
DISPATCH_TICK = 0.003
ORDER_WAIT = 0.5  # seconds a less urgent request waits for a more urgent one's answer, at most
MAX_LEAD = 0.3  # seconds of work marked `sending` ahead of the requests, at most
PROBE_INTERVAL = 0.1  # seconds between looks for rows more urgent than those held


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        limits: SendLimits | None = None,
        max_attempts: int = 5,
        batch_size: int = 50,
        idle_interval: float = 0.2,
        concurrency: int | None = None,
        flush_interval: float = 0.05,
        monotonic: Callable[[], float] = time.monotonic,
        limiter: SendRateLimiter | None = None,
        lease_seconds: float = LEASE_SECONDS,
        lease_clock: Clock | None = None,
        purge_after_days: float | None = None,
        on_undeliverable: UndeliverableHook | None = None,
        on_answer: Callable[[Answer], None] | None = None,
    ) -> None:
        """`limiter`: the bot's shared send budget (else one of its own, with `limits`).
        `lease_clock` tells real time (leases are about processes, not the domain's clock)."""
        self.session_factory = session_factory
        self.clock = clock
        limiter = limiter or SendRateLimiter(limits or SendLimits(), monotonic)
        self.max_attempts = max_attempts
        self._request_of = RowRequest(bot, clock, limiter, max_attempts=max_attempts)
        self._request_of.on_answer = on_answer  # each request's outcome, counted (bot.watch)
        self.on_undeliverable = on_undeliverable
        per_second = self.limiter.limits.per_second
        # A tenth of a second of work marked `sending` (and claimed by `drain_once`) at a time, so
        # a new urgent row waits little; `run` claims about a second ahead.
        self.batch_size = max(1, min(batch_size, math.ceil(per_second / 10)))
        self.claim_size = max(self.batch_size, min(1000, math.ceil(per_second)))
        # Requests in flight at most: the rate times a slow answer (a quarter of a second).
        self.concurrency = max(1, concurrency or min(256, max(4, math.ceil(per_second / 4))))
        self.flush_interval = flush_interval
        self.idle_interval = idle_interval
        self.worker = f"sender-{uuid.uuid4().hex[:12]}"
        self.leases = Leases(
            session_factory,
            self.worker,
            lease_seconds=lease_seconds,
            lease_clock=lease_clock or SystemClock(),
            purge_after_days=purge_after_days,
        )
        # The dispatcher's queue is topped up by half a batch at its low water: at least a batch,
        # enough to outlast the slowest recent exchange (tens of ms under load), up to MAX_LEAD.
        self._lead_cap = max(self.batch_size, math.ceil(per_second * MAX_LEAD))
        self._exchange_times: deque[float] = deque(maxlen=8)
        self._low_water = self.batch_size
        self._queue_target = self.batch_size + (self.batch_size + 1) // 2
        self._refill_below = max(2 * self.batch_size, self.claim_size // 2)
        self._claimed: list[tuple[int, int, ClaimedMessage]] = []  # heap of rows claimed here
        self._queue: list[tuple[int, int, ClaimedMessage]] = []  # `sending`, request not yet left
        self._queued_chats: set[int] = set()
        self._answers: list[Answer] = []
        self._first_answer_at = 0.0
        self._never_sent: list[int] = []  # `sending` rows whose request never left
        self._requests: set[asyncio.Task[None]] = set()
        self._in_flight_priorities: Counter[int] = Counter()
        self._answered = asyncio.Event()  # a request is over
        self._held_back_since: float | None = None
        self._slots = asyncio.Semaphore(self.concurrency)
        self._exchanging = asyncio.Lock()
        self._attention = asyncio.Event()  # the feeding loop has something to look at
        self._queued = asyncio.Event()  # the dispatcher has rows (or must stop)
        self._woken = False
        self._next_claim = 0.0
        self._next_probe = 0.0
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # running

    @property
    def bot(self) -> Bot:
        return self._request_of.bot

    @bot.setter
    def bot(self, bot: Bot) -> None:
        self._request_of.bot = bot

    @property
    def limiter(self) -> SendRateLimiter:
        """The send budget: the dispatcher takes a slot of it, the request gives it back."""
        return self._request_of.limiter

    @limiter.setter
    def limiter(self, limiter: SendRateLimiter) -> None:
        self._request_of.limiter = limiter

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name=self.worker)

    async def stop(self) -> None:
        """Finish the requests under way, hand back what was not sent, and stop."""
        self._stopping.set()
        self._attention.set()
        self._queued.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Something was queued: look for it now, even in the middle of a broadcast."""
        self._woken = True
        self._next_claim = 0.0
        self._attention.set()

    async def run(self) -> None:
        await self.recover()
        dispatcher = asyncio.create_task(self._dispatch(until_empty=False))
        keeper = asyncio.create_task(self._keep_leases())
        try:
            while not self._stopping.is_set():
                try:
                    await self._tend()
                except Exception:
                    logger.exception("outbox_round_failed worker=%s", self.worker)
                    await self._sleep(self.idle_interval)
        finally:
            self._stopping.set()
            self._queued.set()
            with contextlib.suppress(Exception):
                await keeper
            with contextlib.suppress(Exception):
                await dispatcher
            await self._settle()
            self._give_back_queue()  # rows an exchange marked while the dispatcher stopped
            try:
                await self._exchange(release=True)
            except Exception:
                logger.exception("outbox_final_write_failed worker=%s", self.worker)

    async def recover(self) -> None:
        """Renew this sender's leases and take over every row whose lease ran out."""
        if await self.leases.recover():
            self.wake()

    async def purge(self) -> int:
        """Drop the payloads of rows finished more than OUTBOX_PURGE_DAYS ago; how many."""
        return await self.leases.purge(self.clock, stopping=self._stopping)

    async def _keep_leases(self) -> None:
        while not self._stopping.is_set():
            await self._sleep(self.leases.renew_every)
            if self._stopping.is_set():
                return
            try:
                async with self._exchanging:  # never beside an exchange: the same rows
                    await self.recover()
                if self.leases.purge_due():
                    purged = await self.purge()
                    if purged:
                        logger.info("outbox_purged rows=%d", purged)
            except Exception:
                logger.exception("outbox_lease_round_failed worker=%s", self.worker)

    async def drain_once(self) -> int:
        """Claim what is due now and send it, paced and several at a time; the number claimed.
        Returns when every answer is written."""
        await self._sleep(self.limiter.pause_wait())
        claimed = await self._exchange(claim=self.batch_size, top_up=True, release=True)
        await self._dispatch(until_empty=True)
        await self._settle()
        await self._exchange()
        return claimed

    # feeding: one short transaction at a time

    async def _tend(self) -> None:
        """One step of `run`: exchange with the database when there is reason to, else wait
        until there is."""
        now = time.monotonic()
        sending = not self._stopping.is_set() and self.limiter.pause_wait() <= 0
        held = len(self._claimed) + len(self._queue)
        woken, self._woken = self._woken, False
        if sending and held < self._refill_below and (now >= self._next_claim or woken):
            want = self.claim_size - held
            claimed = await self._exchange(claim=want, top_up=True)
            if claimed < want:  # nothing more is due: look again in a while (or when woken)
                self._next_claim = time.monotonic() + self.idle_interval
            return
        probe = sending and (woken or now >= self._next_probe)
        # Held rows are marked when the queue runs low, once one of them may go: rows waiting for
        # a busy chat would otherwise have this loop exchange with the database without pause.
        ready_in = (
            self._ready_in()
            if sending and self._claimed and len(self._queue) <= self._low_water
            else None
        )
        if (
            woken
            or self._never_sent
            or ready_in == 0
            or (sending and self._claimed and now >= self._next_probe)
            or (
                self._answers
                and (
                    len(self._answers) >= self.batch_size
                    or now - self._first_answer_at >= self.flush_interval
                )
            )
        ):
            await self._exchange(probe=probe, top_up=sending)
            return
        deadline = now + self.idle_interval
        if self._answers:
            deadline = min(deadline, self._first_answer_at + self.flush_interval)
        if held < self._refill_below:
            deadline = min(deadline, max(self._next_claim, now + self.limiter.pause_wait()))
        if sending and self._claimed:
            deadline = min(deadline, self._next_probe)
        if ready_in is not None:
            deadline = min(deadline, now + ready_in)
        self._attention.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._attention.wait(), max(0.0, deadline - now))

    def _ready_in(self) -> float:
        """Seconds until a held row may be marked `sending`: 0 when the chat of one is free now,
        else the shortest wait of their chats (a chat with a request under way says only how
        long at least, so `_tend` waits no longer than `idle_interval` anyway)."""
        wait = self.idle_interval
        for _, _, row in self._claimed:
            if row.chat_id in self._queued_chats:
                continue
            chat_wait = self.limiter.chat_wait(row.chat_id)
            if chat_wait <= 0:
                return 0.0
            wait = min(wait, chat_wait)
        return wait

    async def _exchange(
        self, *, claim: int = 0, probe: bool = False, top_up: bool = False, release: bool = False
    ) -> int:
        """One transaction: write the answers in, give back rows whose request never left,
        claim up to `claim` more rows (or, with `probe`, rows more urgent than the least urgent
        one held), and with `top_up` mark the most urgent held rows whose chat may receive a
        message now `sending`, for the dispatcher, until its queue is full.
        `release`: hand every row still held back. The number of rows claimed."""
        async with self._exchanging:
            started = time.monotonic()
            answers, self._answers = self._answers, []
            never_sent, self._never_sent = self._never_sent, []
            held = list(self._claimed)
            fresh: Sequence[ClaimedMessage] = ()
            ready: list[ClaimedMessage] = []
            marked: set[int] = set()
            withdrawn = withdraw_blocked(held, answers)
            try:
                async with self.session_factory() as session:
                    await outbox_queries.hand_back(  # before `_write` marks them skipped
                        session, withdrawn, worker=self.worker, expected=OutboxStatus.CLAIMED
                    )
                    await write_answers(
                        session,
                        answers,
                        worker=self.worker,
                        clock=self.clock,
                        on_undeliverable=self.on_undeliverable,
                    )
                    await outbox_queries.hand_back(
                        session, never_sent, worker=self.worker, expected=OutboxStatus.SENDING
                    )
                    now = self.clock.now()
                    if claim > 0:
                        fresh = await outbox_queries.claim_due(
                            session,
                            now=now,
                            worker=self.worker,
                            limit=claim,
                            lease_until=self.leases.until(),
                            skip_chats=[*self.limiter.busy_chats(), *self._queued_chats],
                        )
                    elif probe and held:
                        self._next_probe = time.monotonic() + PROBE_INTERVAL
                        fresh = await outbox_queries.claim_due(
                            session,
                            now=now,
                            worker=self.worker,
                            limit=self.batch_size,
                            lease_until=self.leases.until(),
                            above_priority=-max(held)[0],
                        )
                    for row in fresh:
                        heapq.heappush(held, (-row.priority, row.id, row))
                    if top_up:  # counted now: the queue went on draining meanwhile
                        ready = take_ready(
                            held,
                            self._queue_target - len(self._queue),
                            queued_chats=self._queued_chats,
                            limiter=self.limiter,
                        )
                        marked = await outbox_queries.mark_sending_many(
                            session,
                            [row.id for row in ready],
                            worker=self.worker,
                            now=now,
                            lease_until=self.leases.until(),
                        )
                    if release:
                        await outbox_queries.hand_back(
                            session,
                            [row.id for _, _, row in held],
                            worker=self.worker,
                            expected=OutboxStatus.CLAIMED,
                        )
                        held = []
                    await session.commit()
                if marked:  # rows marked now are leased afresh
                    self.leases.surely_ours_until(started)
            except BaseException:
                self._answers[:0] = answers  # written next time (every write is conditional)
                self._never_sent[:0] = never_sent
                raise
        self._claimed = held
        self._exchange_times.append(time.monotonic() - started)
        outlast = math.ceil(self.limiter.limits.per_second * 1.5 * max(self._exchange_times))
        self._low_water = min(self._lead_cap, max(self.batch_size, outlast))
        self._queue_target = self._low_water + (self.batch_size + 1) // 2
        log_not_sent(answers)
        ready = [row for row in ready if row.id in marked]
        if ready:
            for row in ready:
                heapq.heappush(self._queue, (-row.priority, row.id, row))
                self._queued_chats.add(row.chat_id)
            self._queued.set()
        return len(fresh) if claim > 0 else 0

    # dispatching: paced, several requests in flight

    async def _dispatch(self, *, until_empty: bool) -> None:
        """Start the requests of the queued rows, most urgent first, each in its overall slot
        and one of the request slots. `until_empty`: return when the queue is empty (else run
        until the sender stops). On stop or a 429 pause the queue is handed back."""
        while True:
            try:
                if self._stopping.is_set() or self.limiter.pause_wait() > 0:
                    self._give_back_queue()
                    if until_empty or self._stopping.is_set():
                        return
                    await self._sleep(self.limiter.pause_wait())
                    continue
                if not self._queue:
                    if until_empty:
                        return
                    self._queued.clear()
                    await self._queued.wait()
                    continue
                wait = self.limiter.outbox_wait()
                if wait > 0:
                    if wait < SHORT_WAIT:
                        await asyncio.sleep(max(wait, DISPATCH_TICK))
                    else:
                        await self._sleep(wait)
                    continue
                if (
                    self._in_flight_priorities
                    and max(self._in_flight_priorities) > -self._queue[0][0]
                ):
                    # A less urgent message does not overtake a more urgent one on the way;
                    # but a request that hangs holds the others back ORDER_WAIT at most.
                    now = time.monotonic()
                    if self._held_back_since is None:
                        self._held_back_since = now
                    left = self._held_back_since + ORDER_WAIT - now
                    if left > 0:
                        self._answered.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._answered.wait(), left)
                        continue
                else:
                    self._held_back_since = None
                await self._slots.acquire()
                if (
                    not self._queue
                    or self._stopping.is_set()
                    or self.limiter.outbox_wait() > 0  # the slot took a while: look again
                ):
                    self._slots.release()
                    continue
                self._start_request(heapq.heappop(self._queue)[2])
            except Exception:
                logger.exception("outbox_dispatch_failed worker=%s", self.worker)
                await self._sleep(self.idle_interval)

    def _start_request(self, row: ClaimedMessage) -> None:
        """Holds one request slot, released when the request is over."""
        self._queued_chats.discard(row.chat_id)
        if len(self._queue) == self._low_water:
            self._attention.set()  # time to claim more
        if (
            self.limiter.chat_wait(row.chat_id) > 0  # not expected: the chat was free when claimed
            or time.monotonic() > self.leases.ok_until  # another sender may be taking it over
        ):
            self._slots.release()
            self._never_sent.append(row.id)
            self._attention.set()
            return
        self.limiter.begin(row.chat_id)
        self._in_flight_priorities[row.priority] += 1
        task = asyncio.create_task(self._request(row))
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)

    def _give_back_queue(self) -> None:
        if not self._queue:
            return
        self._never_sent.extend(row.id for _, _, row in self._queue)
        self._queue.clear()
        self._queued_chats.clear()
        self._attention.set()

    async def _settle(self) -> None:
        """Wait until every request under way is answered."""
        while self._requests:
            await asyncio.wait(list(self._requests))

    async def _request(self, row: ClaimedMessage) -> None:
        try:
            answer = await self._request_of.send(row)
        finally:
            self._slots.release()
            self._in_flight_priorities[row.priority] -= 1
            if not self._in_flight_priorities[row.priority]:
                del self._in_flight_priorities[row.priority]
            self._answered.set()
        self._answers.append(answer)
        if len(self._answers) == 1:
            self._first_answer_at = time.monotonic()
            self._attention.set()
        elif len(self._answers) >= self.batch_size:
            self._attention.set()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up when the sender stops."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
