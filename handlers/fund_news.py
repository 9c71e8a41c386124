"""From ❓ Help, anyone registered: "💰 Send me the fund's monthly ledger" (or stop it). The
ledger itself (codes, amounts and categories only) is sent by the scheduler each month."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import FundNews
from bot.context import UpdateContext
from bot.services import fund_posts
from bot.services.errors import NotAllowed
from bot.views import help as help_views
from handlers.replies import edit_pressed, stale_button_text


async def fund_news(callback: CallbackQuery, callback_data: FundNews, ctx: UpdateContext) -> None:
    if await fund_posts.reads_monthly(ctx.session, ctx.person) is None:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    try:
        on = await fund_posts.set_monthly(
            ctx.session, ctx.person, callback_data.on, now=ctx.clock.now()
        )
    except NotAllowed:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await callback.answer(
        _("🔔 I will send you the fund's ledger at the start of each month.")
        if on
        else _("🔕 OK, no more monthly fund ledger.")
    )
    if _on_help(callback):  # a forged press on another message leaves its buttons alone
        await edit_pressed(callback, None, help_views.help_keyboard(on))


def _on_help(callback: CallbackQuery) -> bool:
    """The pressed message is ❓ Help in a private chat (it carries a fund ledger button)."""
    message = callback.message
    if not isinstance(message, Message) or message.chat.type != "private":
        return False
    markup = message.reply_markup
    return markup is not None and any(
        (button.callback_data or "").startswith(f"{FundNews.__prefix__}:")
        for row in markup.inline_keyboard
        for button in row
    )


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="fund_news")
    router.callback_query.register(fund_news, FundNews.filter())
    return router
