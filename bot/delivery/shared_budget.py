"""One send budget for every bot process: Telegram's limits counted in Redis.

Each process keeps its own `SendRateLimiter` (its requests in flight, its own pace), and before
a request leaves it also asks Redis, in one atomic Lua script, for a place in the shared
windows: the overall rate (any one second, and paced evenly), one message a second to a
private chat, twenty a minute to a group. The answer is "go" or "wait N ms"; the caller sleeps
and asks again (one request of a process asks at a time: `_Turns`). Telegram's 429 to one
process pauses them all. As in
the local limiter, a request counts from the moment it is admitted until a window after its
answer came back (an unanswered one counts for `IN_FLIGHT_LEASE`, then is forgotten, so a
process that dies mid-request frees its places).

Urgency across processes: a direct reply goes before an urgent outbox message, which goes
before any other outbox message. One that is refused for want of an overall place marks
itself waiting at its level, and nothing of a lower level is admitted while a mark lives.

If Redis cannot be reached, the process sends within its own budget (as without Redis), logs
a warning, and asks Redis again a few seconds later."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.exceptions import RedisError

from bot.delivery.ratelimit import (
    BULK,
    CATCH_UP,
    GLOBAL_WINDOW,
    GROUP_WINDOW,
    ChatBusy,
    SendLimits,
    SendRateLimiter,
    urgency_levels,
)

logger = logging.getLogger("linli.send_budget")

IN_FLIGHT_LEASE = 10.0  # seconds an admitted request counts before its answer is known, at most
MARK = 0.2  # seconds a waiting urgent request's mark outlives the wait it was told
RETRY = 0.02  # seconds to wait when only an answer still under way can free a place
REDIS_TIMEOUT = 0.5  # seconds a Redis call may take before the process sends on its own
CONNECTIONS = 8  # to Redis per process, at most
OFFLINE_RETRY = 5.0  # seconds between attempts to reach Redis again after it failed
LEVELS = len(urgency_levels)

# KEYS: overall window, the chat, the pause, the pace, then one "waiting" set per level (lowest
# first). ARGV: token, level, overall cap, overall window ms, chat kind ("p" private, "g"
# group), private interval ms, group cap, group window ms, lease ms, mark ms, retry ms, pace
# interval ms, pace tolerance ms, "1" to wait for the chat's own limit. Places are also spread
# evenly (GCRA: at most a tolerance's worth at once), so the next one is never far off for an
# urgent request.
# Returns {wait ms, why}: why 0 go, 1 the chat is busy, 2 no overall place, 3 paused (429).
_ADMIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local token, level = ARGV[1], tonumber(ARGV[2])
local lease, retry = tonumber(ARGV[9]), tonumber(ARGV[11])
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then return {paused, 3} end
local function window_wait(key, cap, window)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) < cap then return 0 end
  local first = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
  if first > now then return retry end
  return math.max(1, first + window - now)
end
local chat_wait = 0
if ARGV[14] ~= '1' then
  chat_wait = 0  -- counted for the chat, not held back by it
elseif ARGV[5] == 'p' then
  chat_wait = math.max(0, redis.call('PTTL', KEYS[2]))
  local held = redis.call('GET', KEYS[2])
  if held and string.sub(held, 1, 1) == '~' then chat_wait = math.min(chat_wait, retry) end
else
  chat_wait = window_wait(KEYS[2], tonumber(ARGV[7]), tonumber(ARGV[8]))
end
if chat_wait > 0 then return {math.ceil(chat_wait), 1} end
local tat = math.max(now, tonumber(redis.call('GET', KEYS[4]) or '0'))
local wait = window_wait(KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4]))
wait = math.max(wait, tat - tonumber(ARGV[13]) - now)
for above = level + 1, #KEYS - 5 do
  local key = KEYS[5 + above]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) > 0 then wait = math.max(wait, retry) end
end
local mine = KEYS[5 + level]
if wait > 0 then
  if level > 0 then
    local mark = now + wait + tonumber(ARGV[10])
    redis.call('ZADD', mine, mark, token)
    redis.call('PEXPIREAT', mine, math.ceil(mark))
  end
  return {math.ceil(wait), 2}
end
redis.call('ZREM', mine, token)
tat = tat + tonumber(ARGV[12])
redis.call('SET', KEYS[4], tostring(tat), 'PX', math.ceil(tat - now + 1000))
redis.call('ZADD', KEYS[1], now + lease, token)
redis.call('PEXPIRE', KEYS[1], math.ceil(lease + tonumber(ARGV[4])))
if ARGV[5] == 'p' then
  redis.call('SET', KEYS[2], '~' .. token, 'PX', math.ceil(lease))  -- '~': under way
else
  redis.call('ZADD', KEYS[2], now + lease, token)
  redis.call('PEXPIRE', KEYS[2], math.ceil(lease + tonumber(ARGV[8])))
end
return {0, 0}
"""

# KEYS: overall window, the chat. ARGV: token, counted, chat counted, chat kind, private
# interval ms. The request is answered: it counts from now (or not at all).
_FINISH = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local token = ARGV[1]
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[1], 'XX', now, token)
else
  redis.call('ZREM', KEYS[1], token)
end
if ARGV[4] == 'p' then
  if ARGV[3] == '1' then
    redis.call('SET', KEYS[2], token, 'PX', ARGV[5])
  elseif redis.call('GET', KEYS[2]) == '~' .. token then
    redis.call('DEL', KEYS[2])
  end
elseif ARGV[3] == '1' then
  redis.call('ZADD', KEYS[2], 'XX', now, token)
else
  redis.call('ZREM', KEYS[2], token)
end
return 0
"""

# KEYS: the pause. ARGV: ms. Telegram said 429 to one process: every process waits.
_PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 0
"""

_UNREACHABLE = (RedisError, OSError, TimeoutError)

_admitted: ContextVar[tuple[int, str] | None] = ContextVar("linli_budget_place", default=None)
"""The place in Redis of the request this task is making: (chat, token), until its `end`."""


class _Turns:
    """One request of this process asks Redis at a time, the most urgent first. A request told
    to wait for an overall place keeps its turn while it waits (any other would be told the
    same), so a process asks Redis about once per place however many requests it has waiting;
    a more urgent request of the process takes the turn from it at once."""

    def __init__(self) -> None:
        self._holder: int | None = None  # the level of the request holding the turn
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._preempt = asyncio.Event()

    async def acquire(self, level: int) -> None:
        if self._holder is None and not self._waiting:
            self._holder = level
            return
        turn = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (-level, next(self._order), turn))
        if self._holder is not None and level > self._holder:
            self._preempt.set()
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():  # handed over just as it was cancelled
                self.release()
            raise

    def release(self) -> None:
        self._preempt.clear()
        while self._waiting:
            level, _, turn = heapq.heappop(self._waiting)
            if not turn.done():
                self._holder = -level
                turn.set_result(None)
                return
        self._holder = None

    async def preempted_within(self, seconds: float) -> bool:
        """Wait `seconds`, or less, True, when a more urgent request asks for the turn."""
        if self._preempt.is_set():
            return True
        try:
            await asyncio.wait_for(self._preempt.wait(), seconds)
        except TimeoutError:
            return False
        return True


class SharedSendLimiter(SendRateLimiter):
    """A `SendRateLimiter` whose `admit` also takes a place in the budget shared through Redis
    by every process of the bot (keys under `prefix`)."""

    def __init__(
        self,
        limits: SendLimits,
        redis: Redis,
        *,
        prefix: str,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(limits, now)
        self._redis = redis
        self.prefix = prefix
        self._admit = redis.register_script(_ADMIT)
        self._finish = redis.register_script(_FINISH)
        self._pause = redis.register_script(_PAUSE)
        self._cap = max(1, math.floor(limits.per_second * GLOBAL_WINDOW))
        self._remote_busy: dict[int, float] = {}  # chat -> busy until (told by Redis)
        self._offline_until = 0.0  # Redis failed: on our own until then
        self._offline = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._turns = _Turns()

    @classmethod
    def from_url(cls, url: str, limits: SendLimits, *, prefix: str) -> SharedSendLimiter:
        # A few connections, waited for: hundreds of requests may ask at once, each for a
        # fraction of a millisecond (an unbounded pool would open one per request).
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=CONNECTIONS,
            timeout=REDIS_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
        )
        return cls(limits, Redis(connection_pool=pool), prefix=prefix)

    # keys

    def _chat_key(self, chat_id: int) -> str:
        return f"{self.prefix}chat:{chat_id}"

    def _keys(self, chat_id: int) -> list[str]:
        waiting = [f"{self.prefix}waiting:{level}" for level in range(LEVELS)]
        p = self.prefix
        return [f"{p}sent", self._chat_key(chat_id), f"{p}pause", f"{p}pace", *waiting]

    # admission

    async def admit(
        self,
        chat_id: int,
        *,
        level: int = BULK,
        wait_for_chat: bool = True,
        chat_limit: bool = True,
    ) -> None:
        """Wait for a place in the shared budget for a request to `chat_id` (already `begin`-
        ed here, `end`-ed in the same task). `level`: higher goes first (`urgency_levels`).
        `wait_for_chat=False`: raise `ChatBusy` rather than wait for the chat (the outbox
        hands the row back and sends others meanwhile, instead of holding a request slot).
        `chat_limit=False`: the request counts for the chat but does not wait for it."""
        token = uuid.uuid4().hex
        private = chat_id > 0
        args: list[Any] = [
            token,
            min(max(level, 0), LEVELS - 1),
            self._cap,
            GLOBAL_WINDOW * 1000,
            "p" if private else "g",
            round(self.limits.private_chat_interval * 1000),
            self.limits.group_per_minute,
            GROUP_WINDOW * 1000,
            IN_FLIGHT_LEASE * 1000,
            MARK * 1000,
            RETRY * 1000,
            1000 / self.limits.per_second,
            max(1000 / self.limits.per_second, CATCH_UP * 1000),
            "1" if chat_limit else "0",
        ]
        keys = self._keys(chat_id)
        while True:
            chat_wait = 0.0
            await self._turns.acquire(args[1])
            try:
                while True:
                    if self._offline and time.monotonic() < self._offline_until:
                        return
                    try:
                        wait_ms, why = await self._admit(keys=keys, args=args)
                    except _UNREACHABLE as error:
                        self._went_offline(error)
                        return
                    self._back_online()
                    if not wait_ms:
                        _admitted.set((chat_id, token))
                        return
                    wait = int(wait_ms) / 1000
                    if why == 1:  # the outbox leaves this chat alone meanwhile
                        self._remote_busy[chat_id] = self._now() + wait
                        if not wait_for_chat:
                            raise ChatBusy(wait)
                        chat_wait = wait  # waited for without the turn
                        break
                    if why == 3:  # another process was told 429: this one pauses too
                        super().pause(wait)
                    # Any other request here would be told the same: keep the turn, unless
                    # a more urgent one here asks for it.
                    if await self._turns.preempted_within(wait):
                        break
            finally:
                self._turns.release()
            await asyncio.sleep(chat_wait)

    def end(self, chat_id: int, *, counted: bool = True, chat_counted: bool = True) -> None:
        super().end(chat_id, counted=counted, chat_counted=chat_counted)
        place = _admitted.get()
        if place is None or place[0] != chat_id:  # admitted while Redis was away, or never
            return
        _admitted.set(None)
        token = place[1]
        args = [
            token,
            int(counted),
            int(chat_counted),
            "p" if chat_id > 0 else "g",
            round(self.limits.private_chat_interval * 1000),
        ]
        self._spawn(self._finish(keys=self._keys(chat_id)[:2], args=args))

    def pause(self, seconds: float) -> None:
        super().pause(seconds)
        self._spawn(self._pause(keys=[f"{self.prefix}pause"], args=[math.ceil(seconds * 1000)]))

    # what the outbox sees: chats busy here or, as Redis said, in another process

    def chat_wait(self, chat_id: int) -> float:
        wait = super().chat_wait(chat_id)
        remote = self._remote_busy.get(chat_id)
        return wait if remote is None else max(wait, remote - self._now())

    def busy_chats(self) -> list[int]:
        busy = set(super().busy_chats())
        now = self._now()
        for chat_id, until in list(self._remote_busy.items()):
            if until <= now:
                del self._remote_busy[chat_id]
            else:
                busy.add(chat_id)
        return list(busy)

    # Redis away and back

    def _went_offline(self, error: BaseException) -> None:
        self._offline_until = time.monotonic() + OFFLINE_RETRY
        if not self._offline:
            logger.warning(
                "send_budget_redis_unreachable error=%s: sending within this process's own "
                "budget until Redis answers again",
                type(error).__name__,
            )
        self._offline = True

    def _back_online(self) -> None:
        if self._offline:
            logger.warning("send_budget_redis_back: the shared send budget counts again")
        self._offline = False

    def _spawn(self, call: Any) -> None:
        async def run() -> None:
            try:
                await call
            except _UNREACHABLE as error:  # the place expires on its own
                self._went_offline(error)

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=REDIS_TIMEOUT * 2)
        await self._redis.aclose()
