"""Coordinators verify a wish on its card: approve, change its words, ask the household, or
decline; later they may confirm receipt for a household without a phone. Works in the
coordinators' group and in a coordinator's private chat alike; every press is checked against
the presser (a coordinator of the wish's community) and the version the card was drawn at, so
a forged, stale or doubled press changes nothing. A card in a group is in the group's
language, as the Notifier wrote it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from aiogram import Bot, F, Router, html
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import WishReview
from bot.context import UpdateContext
from bot.policy.notify import wishes as notify
from bot.services import households, wishes
from bot.services.errors import InvalidInput, NotAllowed, OutsideCommunity
from bot.views import wishes as views
from handlers.media import VOICE_OR_PHOTO, sent_media, words_of
from handlers.prompts import addressed_name, answers_prompt, ask_again, ask_to_type
from handlers.replies import stale_button_text, stop_hint
from handlers.wishes.states import WishInput
from storage.models import User, Wish


@contextmanager
def card_language(chat_id: int, ctx: UpdateContext) -> Iterator[None]:
    locale = ctx.group_language() if chat_id < 0 else ctx.i18n.current_locale
    with ctx.i18n.use_locale(locale):
        yield


async def show_card(
    ctx: UpdateContext, bot: Bot, chat_id: int, message_id: int, wish: Wish, note: str = ""
) -> None:
    household = await households.household_named(ctx.session, wish.household_id)
    with card_language(chat_id, ctx):
        text = views.coordinator_card(wish, household, note)
        markup = views.review_keyboard(wish)
    with suppress(TelegramBadRequest):  # identical (a double tap) or too old to edit
        await bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )


def _note(chat_id: int, ctx: UpdateContext, coordinator: User, action: str) -> str:
    with card_language(chat_id, ctx):
        return views.done_note(coordinator, action)


async def on_review(
    callback: CallbackQuery,
    callback_data: WishReview,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer()
        return
    try:
        coordinator, wish = await wishes.wish_for_coordinator(
            ctx.session, ctx.person, callback_data.wish_id, settings=ctx.settings
        )
    except (OutsideCommunity, wishes.WishNotFound):
        await callback.answer(stale_button_text(), show_alert=True)
        return
    except NotAllowed:
        await callback.answer(views.only_coordinators_text(), show_alert=True)
        return
    chat_id, action, version = message.chat.id, callback_data.action, callback_data.version
    if action not in ("approve", "edit", "ask", "decline", "received"):
        await callback.answer(stale_button_text())
        return
    if wish.version != version:
        await callback.answer(views.changed_text(), show_alert=True)
        await show_card(ctx, bot, chat_id, message.message_id, wish)
        return
    if action in ("edit", "ask"):
        step = WishInput.edit if action == "edit" else WishInput.question
        await _expect_typing(callback, message, state, ctx, bot, coordinator, wish, step)
        return
    try:
        if action == "approve":
            wish = await wishes.approve(ctx.session, coordinator, wish, version, clock=ctx.clock)
            await notify.wish_approved(ctx.notifier, wish)
        elif action == "decline":
            wish = await wishes.decline(ctx.session, coordinator, wish, version, clock=ctx.clock)
            await notify.wish_declined(ctx.notifier, wish)
        else:
            wish = await wishes.confirm_received(
                ctx.session, coordinator, wish.id, clock=ctx.clock, settings=ctx.settings
            )
            await notify.wish_received(ctx.notifier, wish, coordinator)
    except wishes.WishChanged as changed:
        await callback.answer(views.changed_text(), show_alert=True)
        await show_card(ctx, bot, chat_id, message.message_id, changed.wish)
        return
    except wishes.WishWordsInvalid:
        await callback.answer(views.words_first_text(), show_alert=True)
        return
    await callback.answer()
    note = _note(chat_id, ctx, coordinator, action)
    await show_card(ctx, bot, chat_id, message.message_id, wish, note)


async def _expect_typing(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
    coordinator: User,
    wish: Wish,
    step: State,
) -> None:
    """In a group the prompt mentions the presser and is a force_reply for them alone."""
    await state.set_state(step)
    await state.update_data(
        wish_id=wish.id,
        version=wish.version,
        card_chat_id=message.chat.id,
        card_message_id=message.message_id,
    )
    await callback.answer()
    name = html_name(coordinator)
    chat_id = message.chat.id
    with card_language(chat_id, ctx):
        named = addressed_name(name, callback.from_user.id, chat_id)
        if step == WishInput.edit:
            text, placeholder = views.edit_prompt(named, wish), views.words_placeholder()
        else:
            text, placeholder = views.question_prompt(named, wish), views.question_placeholder()
    await ask_to_type(
        bot, chat_id, text, state, reply_to=message.message_id, placeholder=placeholder
    )


def html_name(person: User) -> str:
    return html.quote(person.display_name or "—")


async def typed_for_wish(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    """New words, or a question for the household (by voice or photo too), for the wish whose
    card asked for it. In a group only a reply to the bot's prompt counts."""
    data = await state.get_data()
    if not answers_prompt(message, data):
        return
    current = await state.get_state()
    wish_id, version = int(data.get("wish_id", 0)), int(data.get("version", 0))
    text = words_of(message)
    try:
        coordinator, wish = await wishes.wish_for_coordinator(
            ctx.session, ctx.person, wish_id, settings=ctx.settings
        )
        if current == WishInput.edit.state:
            wish = await wishes.edit_words(
                ctx.session, coordinator, wish, version, text, clock=ctx.clock
            )
            reply, note = views.words_changed_text(), "edit"
        else:
            media = sent_media(message)
            question = wishes.clean_question(text) if text or media is None else ""
            told = await notify.wish_question(ctx.notifier, wish, question, media)
            reply = views.question_sent_text() if told else views.no_household_member_text()
            note = ""
    except (NotAllowed, wishes.WishNotFound):
        await state.clear()
        await message.answer(views.gone_text())
        return
    except InvalidInput:
        again = _("That is a bit long, or empty. Please type it again.") + " " + stop_hint()
        await ask_again(message, again, state)
        return
    except wishes.WishChanged as changed:
        await state.clear()
        await message.answer(views.changed_text())
        wish, note, reply = changed.wish, "", ""
    await state.clear()
    if reply:
        await message.answer(reply)
    chat_id = int(data.get("card_chat_id", message.chat.id))
    if data.get("card_message_id") and ctx.person is not None:
        done = _note(chat_id, ctx, ctx.person, note) if note else ""
        await show_card(ctx, bot, chat_id, int(data["card_message_id"]), wish, done)


async def type_it_please(message: Message, state: FSMContext) -> None:
    if answers_prompt(message, await state.get_data()):
        await ask_again(message, views.type_please() + " " + stop_hint(), state)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="wish_review")
    router.callback_query.register(on_review, WishReview.filter())
    typing = StateFilter(WishInput.edit, WishInput.question)
    router.message.register(typed_for_wish, typing, F.text)
    router.message.register(typed_for_wish, StateFilter(WishInput.question), VOICE_OR_PHOTO)
    router.message.register(type_it_please, typing)
    return router
