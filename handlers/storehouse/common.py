"""What every step of /store shares: the one community kept, the menu, kind answers to the
storehouse's refusals."""

from __future__ import annotations

from aiogram.types import Message, ReplyKeyboardMarkup

from bot.context import UpdateContext
from bot.services import storehouse
from bot.services.errors import DomainError
from bot.views import keyboards
from bot.views import storehouse as views
from handlers.replies import stale_button_text


async def community_of(ctx: UpdateContext) -> int | None:
    """The one community whose storehouse this coordinator keeps (None: several, or none)."""
    scope = await ctx.scope()
    return next(iter(scope)) if len(scope) == 1 else None


def error_text(error: DomainError) -> str:
    forged = (storehouse.ItemNotFound, storehouse.HouseholdNotFound, storehouse.PledgeNotFound)
    if isinstance(error, forged):
        return stale_button_text()
    return views.store_error_text(error)


def main_menu(ctx: UpdateContext) -> ReplyKeyboardMarkup:
    """The menu again, in place of the "✖️ Stop" of the typed steps."""
    return keyboards.main_menu(ctx.person.role if ctx.person else None)


async def send_menu(message: Message, ctx: UpdateContext, community_id: int) -> None:
    """The stock with its flags (low, expiring: said here, not sent on a schedule) and the
    menu's buttons."""
    lines = await storehouse.stock_view(
        ctx.session, ctx.person, community_id, now=ctx.clock.now(), settings=ctx.settings
    )
    await message.answer(views.menu_text(lines), reply_markup=views.menu_keyboard())


def number(data: dict[str, object], key: str) -> int:
    """A number the earlier steps noted in the conversation (0 if none)."""
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
