"""From ❓ Help: "💰 Send me the fund's monthly ledger" (anyone registered, where the
community keeps a fund) and, for residents, "🌱 Tell me when I could give time back" (each
on or off). The scheduler sends the ledger and the nudges."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import FundNews, GiveBack
from bot.context import UpdateContext
from bot.services import fund_posts, give_back
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
        nudges = await give_back.wants_nudges(ctx.session, ctx.person)
        await edit_pressed(callback, None, help_views.help_keyboard(on, nudges))


OURS = (f"{FundNews.__prefix__}:", f"{GiveBack.__prefix__}:")


def _on_help(callback: CallbackQuery) -> bool:
    """The pressed message is ❓ Help in a private chat (it carries a fund ledger button)."""
    message = callback.message
    if not isinstance(message, Message) or message.chat.type != "private":
        return False
    markup = message.reply_markup
    return markup is not None and any(
        (button.callback_data or "").startswith(
            (f"{FundNews.__prefix__}:", f"{GiveBack.__prefix__}:")
        )
        for row in markup.inline_keyboard
        for button in row
    )


async def give_back_choice(
    callback: CallbackQuery, callback_data: GiveBack, ctx: UpdateContext
) -> None:
    """From ❓ Help (on or off) or under a nudge ("🔕 No more of these")."""
    try:
        on = await give_back.set_nudges(
            ctx.session, ctx.person, callback_data.on, now=ctx.clock.now()
        )
    except NotAllowed:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await callback.answer(
        _("🌱 Thank you! Now and then (at most once a month) I will mention it.")
        if on
        else _("🔕 OK, I will not mention it again.")
    )
    if _on_help(callback):
        reads = await fund_posts.reads_monthly(ctx.session, ctx.person)
        await edit_pressed(callback, None, help_views.help_keyboard(reads, on))


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="fund_news")
    router.callback_query.register(fund_news, FundNews.filter())
    router.callback_query.register(give_back_choice, GiveBack.filter())
    return router
