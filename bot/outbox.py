"""The outbox sender: drains `outbox_messages` into Telegram within Telegram's limits.

Each row is sent at most once: it is marked `sending` (committed) before the request and
`sent` after. A 429 pauses all sending for `retry_after` and hands the row back; 5xx and
network errors are retried with backoff a bounded number of times; a 403 marks the person
unreachable. Several senders (processes) may run at once: rows are claimed atomically."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendDocument, SendMessage, SendPhoto, TelegramMethod
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.ratelimit import SendLimits, SendRateLimiter
from bot.services.outbox import person_blocked_bot
from storage.models import OutboxMessage, OutboxStatus
from storage.repositories import outbox as outbox_queries

logger = logging.getLogger("linli.outbox")

METHODS: dict[str, type[TelegramMethod[Any]]] = {
    "sendMessage": SendMessage,
    "sendPhoto": SendPhoto,
    "sendDocument": SendDocument,
}
ABANDONED_AFTER = timedelta(minutes=2)


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
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.clock = clock
        self.limiter = SendRateLimiter(limits or SendLimits(), monotonic)
        self.max_attempts = max_attempts
        # About a tenth of a second of work per claim, so a new urgent row waits little.
        self.batch_size = max(1, min(batch_size, math.ceil(self.limiter.limits.per_second / 10)))
        self.idle_interval = idle_interval
        self.worker = f"sender-{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # running

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name=self.worker)

    async def stop(self) -> None:
        """Finish the request under way, hand back what was claimed, and stop."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        await self.recover()
        while not self._stopping.is_set():
            try:
                handled = await self.drain_once()
            except Exception:
                logger.exception("outbox_round_failed worker=%s", self.worker)
                handled = 0
            if handled == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.idle_interval)

    async def recover(self) -> None:
        """Rows left by a sender that died: claimed ones go back, mid-request ones never resend."""
        async with self.session_factory() as session:
            requeued, interrupted = await outbox_queries.recover_abandoned(
                session, older_than=self.clock.now() - ABANDONED_AFTER
            )
            await session.commit()
        if requeued or interrupted:
            logger.warning("outbox_recovered requeued=%d interrupted=%d", requeued, interrupted)

    # one round

    async def drain_once(self) -> int:
        """Claim what is due now and send it, pacing each message; the number handled."""
        await self._sleep(self.limiter.global_wait())
        async with self.session_factory() as session:
            rows = await outbox_queries.claim_due(
                session,
                now=self.clock.now(),
                worker=self.worker,
                limit=self.batch_size,
                skip_chats=self.limiter.busy_chats(),
            )
            await session.commit()
        for index, row in enumerate(rows):
            if self._stopping.is_set() or self.limiter.chat_wait(row.chat_id) > 0:
                await self._hand_back(rows[index:] if self._stopping.is_set() else [row])
                if self._stopping.is_set():
                    break
                continue
            await self._sleep(self.limiter.global_wait())
            self.limiter.reserve_global()
            await self._send(row)
        return len(rows)

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _hand_back(self, rows: list[OutboxMessage]) -> None:
        async with self.session_factory() as session:
            for row in rows:
                await outbox_queries.retry_later(
                    session,
                    row.id,
                    worker=self.worker,
                    expected=OutboxStatus.CLAIMED,
                    not_before=row.not_before,
                )
            await session.commit()

    async def _send(self, row: OutboxMessage) -> None:
        async with self.session_factory() as session:
            taken = await outbox_queries.mark_sending(
                session, row.id, worker=self.worker, now=self.clock.now()
            )
            await session.commit()
        if not taken:
            return
        attempts = row.attempts + 1
        method = METHODS[row.method](chat_id=row.chat_id, **row.payload)
        outcome: dict[str, Any]
        try:
            message = await self.bot(method)
        except TelegramRetryAfter as error:
            self.limiter.pause(error.retry_after)
            logger.warning("outbox_flood_wait seconds=%s", error.retry_after)
            await self._requeue(row.id, self.clock.now(), f"429 retry after {error.retry_after}")
            return
        except TelegramForbiddenError as error:
            self.limiter.record(row.chat_id)
            outcome = {"status": OutboxStatus.BLOCKED, "error": error.message}
        except TelegramBadRequest as error:
            self.limiter.record(row.chat_id)
            outcome = {"status": OutboxStatus.FAILED, "error": error.message}
        except (TelegramServerError, TelegramNetworkError) as error:
            if attempts < self.max_attempts:
                backoff = timedelta(seconds=min(300, 2**attempts))
                await self._requeue(row.id, self.clock.now() + backoff, str(error))
                return
            outcome = {"status": OutboxStatus.FAILED, "error": f"gave up: {error}"}
        except TelegramAPIError as error:
            outcome = {"status": OutboxStatus.FAILED, "error": str(error)}
        else:
            self.limiter.record(row.chat_id)
            outcome = {"status": OutboxStatus.SENT, "telegram_message_id": message.message_id}
        async with self.session_factory() as session:
            await outbox_queries.finish(
                session, row.id, worker=self.worker, now=self.clock.now(), **outcome
            )
            if outcome["status"] == OutboxStatus.BLOCKED and row.chat_id > 0:
                await person_blocked_bot(session, row.chat_id, clock=self.clock)
            await session.commit()
        if outcome["status"] != OutboxStatus.SENT:
            logger.warning(
                "outbox_not_sent id=%d status=%s error=%s",
                row.id,
                outcome["status"],
                outcome["error"],
            )

    async def _requeue(self, row_id: int, not_before: Any, reason: str) -> None:
        """Telegram refused the request, so nothing was delivered: the row may go again."""
        async with self.session_factory() as session:
            await outbox_queries.retry_later(
                session,
                row_id,
                worker=self.worker,
                expected=OutboxStatus.SENDING,
                not_before=not_before,
                error=reason,
            )
            await session.commit()
