"""One request of an outbox row, and what became of it: sent, blocked, failed for good, handed
back to be tried later (a 429, a 5xx, a lost answer of a message that protects a person), or
set aside (a row that cannot make a request); and writing those answers to the rows. The
sender (`bot.delivery.sender`) decides when to make each request and when to write."""

from __future__ import annotations

import heapq
import logging
import re
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    EditMessageText,
    Response,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVoice,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.delivery.outbox import Priority, person_blocked_bot
from bot.delivery.ratelimit import BULK, URGENT, ChatBusy, SendRateLimiter, paced_by_outbox
from bot.services.media import uploaded
from storage.models import OutboxStatus
from storage.repositories import outbox as outbox_queries
from storage.repositories.outbox import ClaimedMessage

logger = logging.getLogger("linli.outbox")

METHODS: dict[str, type[TelegramMethod[Any]]] = {
    "sendMessage": SendMessage,
    "sendPhoto": SendPhoto,
    "sendDocument": SendDocument,
    "sendVoice": SendVoice,
    "editMessageText": EditMessageText,  # a card brought up to date (bot.delivery.cards)
}
EDIT_METHODS = frozenset({"editMessageText"})
# Telegram's answers to an edit that needs no doing: the card already shows it, or it is gone.
_EDIT_NOT_NEEDED = ("message is not modified", "message to edit not found", "can't be edited")
# aiogram checks every answer with the generic model `Response[<result type>]`, which pydantic
# caches only weakly: the garbage collector keeps dropping it, and each rebuild costs about 10 ms
# of CPU (under load once every ~40 messages, a third of the sender's time). Holding the models
# here keeps them built for the life of the process.
RESPONSE_MODELS = tuple(Response[method.__returning__] for method in METHODS.values())
BROKEN_TRIES = 3  # tries of a row that fails for a reason of its own, then failed and flagged
BROKEN_BACKOFF = timedelta(seconds=30)  # ... doubling after each try
_DIGIT_RUN = re.compile(r"\d[\d \-]{4,}\d")


def _opened(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with each file linli drew (`Upload`) as a multipart file again."""
    opened = dict(payload)
    for key, value in payload.items():
        found = uploaded(value)
        if found is not None:
            opened[key] = BufferedInputFile(found[1], filename=found[0])
    return opened


@dataclass(frozen=True)
class Answer:
    """What became of one request, waiting to be written. `status` None: back to the queue."""

    row: ClaimedMessage
    status: OutboxStatus | None
    at: datetime
    telegram_message_id: int | None = None
    error: str | None = None
    not_before: datetime | None = None
    flag: bool = False  # failed for good and worth the coordinators' attention


def log_safe_reason(error: BaseException) -> str:
    """Why a request failed, fit for a log line and the row: Telegram's description or the
    exception's type, never its message (which may quote the payload); long runs of digits (a
    phone number?) masked."""
    text = error.message if isinstance(error, TelegramAPIError) else type(error).__name__
    return _DIGIT_RUN.sub("…", text)[:200]


UNDELIVERABLE_KIND = "outbox.undeliverable"
Undeliverable = tuple[ClaimedMessage, str]
"""A row that failed for good, and why (no text of it)."""
UndeliverableHook = Callable[[AsyncSession, Sequence[Undeliverable]], Awaitable[None]]


def withdraw_blocked(
    held: list[tuple[int, int, ClaimedMessage]], answers: list[Answer]
) -> list[int]:
    """Rows held for people who just blocked the bot, but urgent ones: taken out of the
    heap `held`, to be handed back and withdrawn with the rest of what waits for them."""
    blocked = {
        answer.row.chat_id
        for answer in answers
        if answer.status == OutboxStatus.BLOCKED and answer.row.chat_id > 0
    }
    if not blocked:
        return []
    kept: list[tuple[int, int, ClaimedMessage]] = []
    withdrawn: list[int] = []
    for entry in held:
        row = entry[2]
        if row.chat_id in blocked and row.priority < Priority.URGENT:
            withdrawn.append(row.id)
        else:
            kept.append(entry)
    if withdrawn:
        heapq.heapify(kept)
        held[:] = kept
    return withdrawn


def take_ready(
    held: list[tuple[int, int, ClaimedMessage]],
    limit: int,
    *,
    queued_chats: set[int],
    limiter: SendRateLimiter,
) -> list[ClaimedMessage]:
    """Take out of the heap `held` up to `limit` most urgent rows whose chat may receive a
    message now, one per chat; rows for busy chats stay held."""
    ready: list[ClaimedMessage] = []
    busy: list[tuple[int, int, ClaimedMessage]] = []
    chats = set(queued_chats)
    while held and len(ready) < limit:
        entry = heapq.heappop(held)
        chat_id = entry[2].chat_id
        if chat_id in chats or limiter.chat_wait(chat_id) > 0:
            busy.append(entry)
        else:
            chats.add(chat_id)
            ready.append(entry[2])
    for entry in busy:
        heapq.heappush(held, entry)
    return ready


async def write_answers(
    session: AsyncSession,
    answers: list[Answer],
    *,
    worker: str,
    clock: Clock,
    on_undeliverable: UndeliverableHook | None,
) -> None:
    """Write what became of each request, as the sender `worker` that made them."""
    await outbox_queries.finish_sent_many(
        session,
        [
            (answer.row.id, answer.telegram_message_id, answer.at)
            for answer in answers
            if answer.status == OutboxStatus.SENT
        ],
        worker=worker,
    )
    flagged: list[Undeliverable] = []
    for answer in answers:
        if answer.status == OutboxStatus.SENT:
            continue
        if answer.status is None:
            assert answer.not_before is not None
            await outbox_queries.retry_later(
                session,
                answer.row.id,
                worker=worker,
                expected=OutboxStatus.SENDING,
                not_before=answer.not_before,
                error=answer.error,
            )
            continue
        finished = await outbox_queries.finish(
            session,
            answer.row.id,
            worker=worker,
            status=answer.status,
            now=answer.at,
            error=answer.error,
        )
        if answer.status == OutboxStatus.BLOCKED and answer.row.chat_id > 0:
            await person_blocked_bot(session, answer.row.chat_id, clock=clock)
        if finished and answer.flag and answer.row.kind != UNDELIVERABLE_KIND:
            flagged.append((answer.row, answer.error or ""))
    if flagged and on_undeliverable is not None:
        try:
            await on_undeliverable(session, flagged)
        except Exception as error:  # noqa: BLE001 - the rows' own fate is written all the same
            logger.error(
                "outbox_flag_failed rows=%d reason=%s", len(flagged), log_safe_reason(error)
            )


def log_not_sent(answers: list[Answer]) -> None:
    for answer in answers:
        if answer.status not in (OutboxStatus.SENT, None):
            logger.warning(
                "outbox_not_sent id=%d kind=%s status=%s error=%s",
                answer.row.id,
                answer.row.kind,
                answer.status,
                answer.error,  # a log-safe reason: never the text
            )


class RowRequest:
    """Makes the Bot API request of a row already marked `sending`, within the limiter's slot
    the dispatcher took for it, and turns the outcome into an `Answer`."""

    def __init__(
        self, bot: Bot, clock: Clock, limiter: SendRateLimiter, *, max_attempts: int
    ) -> None:
        self.bot = bot
        self._clock = clock
        self.limiter = limiter
        self._max_attempts = max_attempts
        self.on_answer: Callable[[Answer], None] | None = None  # counts results (bot.watch)

    async def send(self, row: ClaimedMessage) -> Answer:
        """The request of a row already marked `sending`; what became of it."""
        answer = await self._send(row)
        if self.on_answer is not None:
            self.on_answer(answer)
        return answer

    async def _send(self, row: ClaimedMessage) -> Answer:
        attempts = row.attempts + 1
        counted = chat_counted = True
        paced_by_outbox.set(True)  # this task's requests took their slot here
        try:
            try:
                method = METHODS[row.method](chat_id=row.chat_id, **_opened(row.payload))
            except Exception as error:  # noqa: BLE001 - a payload that does not make a request
                counted = chat_counted = False
                return self._set_aside(row, attempts, error)
            urgent = row.priority >= Priority.ALERT
            level = URGENT if urgent else BULK
            await self.limiter.admit(row.chat_id, level=level, wait_for_chat=False)
            message = await self.bot(method)
        except ChatBusy:  # another process wrote to this chat: back to the queue, and the
            counted = chat_counted = False  # limiter has this sender skip the chat meanwhile
            now = self._clock.now()
            return Answer(row, None, now, not_before=now)
        except TelegramRetryAfter as error:
            counted = chat_counted = False
            self.limiter.pause(error.retry_after)
            logger.warning("outbox_flood_wait seconds=%s", error.retry_after)
            now = self._clock.now()
            return Answer(
                row, None, now, error=f"429 retry after {error.retry_after}", not_before=now
            )
        except TelegramForbiddenError as error:
            return Answer(
                row, OutboxStatus.BLOCKED, self._clock.now(), error=log_safe_reason(error)
            )
        except TelegramBadRequest as error:
            if row.method in EDIT_METHODS and any(n in error.message for n in _EDIT_NOT_NEEDED):
                return self._edit_not_needed(row, error)
            return self._failed(row, log_safe_reason(error))
        except TelegramServerError as error:
            chat_counted = False
            return self._retry_or_fail(row, attempts, error)
        except (TelegramNetworkError, ClientDecodeError) as error:
            chat_counted = False
            never_left = isinstance(error, TelegramNetworkError) and error.message.startswith(
                "ClientConnector"  # no connection was made: the request surely never arrived
            )
            if row.at_least_once or never_left:
                return self._retry_or_fail(row, attempts, error)
            return Answer(
                row,
                OutboxStatus.INTERRUPTED,
                self._clock.now(),
                error=f"no answer, delivery unknown: {log_safe_reason(error)}",
            )
        except TelegramAPIError as error:
            chat_counted = False
            return self._failed(row, log_safe_reason(error))
        except Exception as error:  # noqa: BLE001 - a bad row or a bug, before the request left
            counted = chat_counted = False
            return self._set_aside(row, attempts, error)
        finally:
            self.limiter.end(row.chat_id, counted=counted, chat_counted=chat_counted)
        return Answer(
            row,
            OutboxStatus.SENT,
            self._clock.now(),
            telegram_message_id=getattr(message, "message_id", None),
        )

    def _edit_not_needed(self, row: ClaimedMessage, error: TelegramBadRequest) -> Answer:
        """An identical edit did what was asked (the card shows it); an edit of a message that
        no longer exists has nothing to do. Neither is a failure worth a flag."""
        if "not modified" in error.message:
            return Answer(row, OutboxStatus.SENT, self._clock.now())
        return Answer(row, OutboxStatus.SKIPPED, self._clock.now(), error=log_safe_reason(error))

    def _failed(self, row: ClaimedMessage, reason: str) -> Answer:
        """Refused for good; a message that protects a person is flagged to the coordinators."""
        return Answer(
            row, OutboxStatus.FAILED, self._clock.now(), error=reason, flag=row.at_least_once
        )

    def _retry_or_fail(self, row: ClaimedMessage, attempts: int, error: BaseException) -> Answer:
        now = self._clock.now()
        if attempts < self._max_attempts:
            backoff = timedelta(seconds=min(300, 2**attempts))
            return Answer(row, None, now, error=log_safe_reason(error), not_before=now + backoff)
        return self._failed(row, f"gave up: {log_safe_reason(error)}")

    def _set_aside(self, row: ClaimedMessage, attempts: int, error: BaseException) -> Answer:
        """The row itself is at fault: tried again later, a few times, then failed and flagged.
        Logged with where it happened, but not the exception's message (it may quote the
        payload)."""
        logger.warning(
            "outbox_row_set_aside id=%d kind=%s try=%d reason=%s\n%s",
            row.id,
            row.kind,
            attempts,
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)).rstrip(),
        )
        reason = f"could not be sent: {type(error).__name__}"
        now = self._clock.now()
        if attempts < BROKEN_TRIES:
            backoff = BROKEN_BACKOFF * 2 ** (attempts - 1)
            return Answer(row, None, now, error=reason, not_before=now + backoff)
        return Answer(row, OutboxStatus.FAILED, now, error=f"gave up: {reason}", flag=True)
