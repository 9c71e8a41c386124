"""Record, commit, then talk to Telegram: a request middleware of the Bot's HTTP session that,
before any Bot API request made while handling an update, commits what that update has written
so far.

So no database transaction spans a network call: SQLite's one writer is never held while a
reply travels to Telegram (a crowd of updates would otherwise queue behind it until
"database is locked"), a pooled connection is back in the pool during the call, and a reply
that fails (blocked, too old, a timeout) cannot roll back a request, an alert or an answer that
was already recorded. One place instead of a commit before every `answer()` in every handler.
A press's pop-up answer, when only the conversation has moved on, leaves that write for the next
commit (the pop-up says nothing of the step, and on SQLite each commit that writes is a turn
behind every other writer)."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import Response, TelegramType

from storage.db import current_session, has_written
from storage.fsm import has_pending_writes, holding_conversation_writes

logger = logging.getLogger("linli.replies")

answered_callbacks: ContextVar[set[str] | None] = ContextVar(
    "linli_answered_callbacks", default=None
)
"""Callback queries answered while handling the current update, so the error handler does not
answer the same button press a second time (Telegram refuses that: "query is too old")."""


class CommitBeforeRequest(BaseRequestMiddleware):
    """Commit the current update's transaction, if one is open, before each Bot API request;
    note which callback queries got their answer."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        session = current_session.get()
        if session is not None and (session.in_transaction() or has_pending_writes(session)):
            if (
                isinstance(method, AnswerCallbackQuery)
                and has_pending_writes(session)
                and not await has_written(session)
            ):
                # Only the conversation moved on: the press's pop-up tells nothing of it, so its
                # write waits for the next commit (SQLite: one write turn for the update).
                if session.in_transaction():  # what it read, ended before the call
                    with holding_conversation_writes(session):
                        await session.commit()
            else:
                await session.commit()
        if isinstance(method, AnswerCallbackQuery):
            answered = answered_callbacks.get()
            if answered is not None:  # tried once is answered: Telegram refuses a second try
                answered.add(method.callback_query_id)
            try:
                return await make_request(bot, method)
            except TelegramBadRequest as error:
                if "query is too old" not in error.message:
                    raise
                # The press waited too long to be answered: only its pop-up is lost. The step
                # goes on (the next question reaches the person), never a silent stop.
                logger.warning("callback_answer_too_late query=%s", method.callback_query_id)
                return Response[TelegramType](ok=True, result=True)  # type: ignore[arg-type]
        return await make_request(bot, method)
