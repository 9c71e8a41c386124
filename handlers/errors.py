"""When handling an update fails: log it (without personal data) and tell the person kindly. A
reply Telegram refuses because the person blocked the bot is not a failure: see `reply_refused`."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import ExceptionTypeFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import ErrorEvent
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.delivery.outbox import record_blocked_bot
from bot.middlewares.outcome import HandlingOutcome
from handlers import onboarding

logger = logging.getLogger("linli.errors")


async def on_error(
    event: ErrorEvent,
    bot: Bot,
    i18n: I18n,
    session_factory: async_sessionmaker[AsyncSession],
    locale: str | None = None,
    answered_callbacks: set[str] | None = None,
    state: FSMContext | None = None,
    event_from_user: TelegramUser | None = None,
    handling: HandlingOutcome | None = None,
) -> None:
    """What was recorded before the failure stays recorded (it was committed before the bot
    last spoke to Telegram); a button press already answered is not answered again. Someone
    registering is asked again the question of the step they are on: an answer they gave was
    kept even when the next question could not reach them. By webhook, the person is told only
    when Telegram will not send the update again (`bot/webhook.py`)."""
    update = event.update
    chat_id: int | None = None
    if update.message is not None:
        chat_id = update.message.chat.id
    elif update.callback_query is not None:
        chat_id = update.callback_query.from_user.id
    logger.error(
        "update_failed update_id=%s chat_id=%s error=%s",
        update.update_id,
        chat_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    if chat_id is None or (handling is not None and handling.will_retry):
        return  # by webhook, Telegram sends the update again: the answer comes then
    with i18n.context(), i18n.use_locale(locale or i18n.default_locale), suppress(TelegramAPIError):
        query = update.callback_query
        if query is not None and query.id not in (answered_callbacks or ()):
            with suppress(TelegramAPIError):
                await query.answer()
        await bot.send_message(
            chat_id,
            i18n.gettext(
                "😔 Sorry, something went wrong on our side. Nothing you entered before was "
                "lost. Please try again in a moment."
            ),
        )
        if state is not None and (await state.get_state() or "").startswith("Onboarding:"):
            first_name = event_from_user.first_name if event_from_user else ""
            async with session_factory() as session:  # the update's own was rolled back
                await onboarding.ask_current_step(bot, chat_id, state, first_name, session)


async def reply_refused(
    event: ErrorEvent,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    answered_callbacks: set[str] | None = None,
) -> None:
    """Telegram refused a reply with 403: the person blocked the bot (say, someone who pressed a
    button in a group, answered privately) or the bot left that group. Nothing is broken on our
    side and there is nobody to tell: the person is noted as unreachable, as the outbox does,
    and the button is answered so their app stops waiting."""
    update = event.update
    presser = update.callback_query.from_user if update.callback_query else None
    if presser is None and update.message is not None:
        presser = update.message.from_user
    logger.info(
        "reply_refused update_id=%s user_id=%s reason=%s",
        update.update_id,
        presser.id if presser else None,
        "blocked" if "blocked" in str(event.exception) else "forbidden",
    )
    query = update.callback_query
    if query is not None and query.id not in (answered_callbacks or ()):
        with suppress(TelegramAPIError):
            await query.answer()
    if presser is not None and "blocked by the user" in str(event.exception):
        await record_blocked_bot(session_factory, presser.id, clock=clock)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="errors")
    router.errors.register(reply_refused, ExceptionTypeFilter(TelegramForbiddenError))
    router.errors.register(on_error)
    return router
