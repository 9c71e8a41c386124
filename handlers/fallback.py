"""Last router: whatever nobody else understood gets a kind answer, never silence."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.onboarding import begin
from handlers.replies import send_main_menu, stale_button_text
from storage.models import User


async def stale_button(callback: CallbackQuery) -> None:
    """A button from an older message, a second tap, or data we never sent."""
    await callback.answer(stale_button_text(), show_alert=True)


async def not_understood(
    message: Message, state: FSMContext, session: AsyncSession, user: User, bot: Bot
) -> None:
    if message.chat.type != "private":
        return
    if user.is_onboarded:
        await send_main_menu(
            bot,
            message.chat.id,
            user,
            _("Sorry, I did not understand that. Please use the buttons below 👇"),
        )
        return
    first_name = message.from_user.first_name if message.from_user else ""
    await begin(bot, message.chat.id, state, user, first_name, session)


async def not_understood_in_conversation(message: Message) -> None:
    await message.answer(
        _("Sorry, I did not understand that. To stop and go back to the menu, write “stop”.")
    )


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="fallback")
    router.callback_query.register(stale_button)
    router.message.register(not_understood, StateFilter(None))
    router.message.register(not_understood_in_conversation)
    return router
