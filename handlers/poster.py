"""/poster: a printable poster (PNG and PDF, A4) with the community's join link as a QR code,
for lobby notice boards; one per building if a coordinator taps one of the community's
places. A street's or district's coordinator first taps which community.

The facts are read first; answering (the chat action, or the press) commits that read; the
poster is drawn off the event loop; then both files are sent."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.callbacks import PosterChoice
from bot.context import UpdateContext
from bot.policy.permissions import Action
from bot.services import communities, poster
from bot.services.errors import NotAllowed, PlaceNotFound
from bot.views import poster as views
from bot.views.render import poster as drawing
from handlers.audience import PRIVATE, for_audience
from handlers.replies import not_yours_text, stale_button_text


async def _bot_username(bot: Bot, ctx: UpdateContext) -> str | None:
    if ctx.settings.bot_username:
        return ctx.settings.bot_username.lstrip("@")
    return (await bot.me()).username


async def _send_poster(
    message: Message, ctx: UpdateContext, community_id: int, place_id: int | None
) -> None:
    facts = await poster.poster_facts(ctx.session, ctx.settings, ctx.person, community_id, place_id)
    bot = message.bot
    assert bot is not None
    username = await _bot_username(bot, ctx)  # a request to Telegram: the read is committed
    if not username:
        await message.answer(views.no_join_link_text())
        return
    link = communities.join_link(username, facts.slug)
    locale = views.poster_locale(ctx.locale)
    with ctx.i18n.use_locale(locale):
        words = views.poster_words(facts, link)
    caption, more, keyboard = (
        views.poster_caption(facts),
        views.places_text(facts),
        views.places_keyboard(facts) if place_id is None else None,
    )
    await bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_DOCUMENT)
    png = await asyncio.to_thread(drawing.draw, words, link, "png", locale)
    pdf = await asyncio.to_thread(drawing.draw, words, link, "pdf", locale)
    await message.answer_photo(
        BufferedInputFile(png, filename=views.file_name(facts, "png")), caption=caption
    )
    await message.answer_document(BufferedInputFile(pdf, filename=views.file_name(facts, "pdf")))
    if keyboard is not None:
        await message.answer(more, reply_markup=keyboard)


async def show_poster(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    await state.clear()
    rows = await poster.communities_for_poster(ctx.session, ctx.settings, ctx.person)
    if len(rows) == 1:
        await _send_poster(message, ctx, rows[0].id, None)
    elif rows:
        await message.answer(
            views.which_community_text(), reply_markup=views.communities_keyboard(rows)
        )
    else:
        await message.answer(views.coordinators_only())


async def poster_choice(
    callback: CallbackQuery, callback_data: PosterChoice, ctx: UpdateContext
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer(stale_button_text())
        return
    try:
        await poster.poster_facts(
            ctx.session,
            ctx.settings,
            ctx.person,
            callback_data.community_id,
            callback_data.place_id or None,
        )
    except NotAllowed:
        await callback.answer(not_yours_text(), show_alert=True)
        return
    except PlaceNotFound:
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await _send_poster(message, ctx, callback_data.community_id, callback_data.place_id or None)


def build_router() -> Router:
    router = for_audience(Router(name="poster"), Action.PRINT_POSTER, views.coordinators_only)
    router.message.register(show_poster, Command("poster"), PRIVATE)
    router.callback_query.register(poster_choice, PosterChoice.filter())
    return router
