"""🤝 Offer my time (/offer): anyone registered, a household that was helped too, in a few
taps: what (a kind, or their own words: "半小时 陪老人聊天" says how long as well) → how
long → when they are free. In a private chat only: what someone offers is theirs and their
coordinators' to read. Their offers still open are shown first, each with ↩️ Withdraw."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.callbacks import OfferAction, OfferStep, number_in
from bot.context import UpdateContext
from bot.policy.notify import time_offers as notify
from bot.policy.permissions import Action, may
from bot.services import time_offers as offers
from bot.services.errors import InvalidInput, MinutesInvalid, TextTooLong
from bot.understanding.durations import parse_duration
from bot.views import time_offers as views
from bot.views.texts import duration_label
from handlers.audience import PRIVATE
from handlers.replies import (
    button_text,
    edit_pressed,
    not_registered_text,
    retire_buttons,
    send_main_menu,
    stale_button_text,
)
from handlers.wizard import answer_now, ask, ask_once_more, pressed_then_ask

OFFER_BUTTON = "🤝 Offer my time"


class OfferFlow(StatesGroup):
    what = State()  # a kind tapped, or words typed
    minutes = State()
    when = State()


async def _begin(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    await state.clear()
    mine = await offers.own_offers(ctx.session, ctx.person)
    if mine:
        await message.answer(
            views.own_offers_text(mine), reply_markup=views.withdraw_keyboard(mine)
        )
    await ask(message, state, OfferFlow.what, views.what_question(), views.kind_keyboard())


async def start_offer(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if message.chat.type != "private":
        await message.answer(views.private_only_text())
        return
    if not may(ctx.person, Action.OFFER_TIME):
        await message.answer(not_registered_text())
        return
    await _begin(message, state, ctx)


async def start_pressed(callback: CallbackQuery, state: FSMContext, ctx: UpdateContext) -> None:
    """ "🤝 Offer my time" under the nudge to give time back."""
    message = callback.message
    if not isinstance(message, Message) or message.chat.type != "private":
        await callback.answer(views.private_only_text(), show_alert=True)
        return
    if not may(ctx.person, Action.OFFER_TIME):
        await callback.answer(not_registered_text(), show_alert=True)
        return
    await answer_now(callback)
    await retire_buttons(callback, views.offer_button_label())
    await _begin(message, state, ctx)


async def _ask_minutes(message: Message, state: FSMContext) -> None:
    await ask(message, state, OfferFlow.minutes, views.minutes_question(), views.minutes_keyboard())


async def _ask_when(message: Message, state: FSMContext) -> None:
    await ask(message, state, OfferFlow.when, views.when_question(), views.when_keyboard())


async def chose_kind(callback: CallbackQuery, callback_data: OfferStep, state: FSMContext) -> None:
    if callback_data.value not in offers.KINDS:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await state.update_data(kind=callback_data.value, words="")
    await pressed_then_ask(
        callback, state, OfferFlow.minutes, views.minutes_question(), views.minutes_keyboard(),
        note=views.kind_label(callback_data.value),
    )  # fmt: skip


async def typed_what(message: Message, state: FSMContext) -> None:
    try:
        words = offers.clean_words(message.text)
    except TextTooLong as error:
        await message.answer(views.too_long_text(error.limit))
        return
    if not words or words.startswith("/"):
        await ask_once_more(message, state)
        return
    minutes = parse_duration(words)  # "半小时 陪老人聊天": how long was said too
    await state.update_data(kind=None, words=words)
    try:
        offers.check_minutes(minutes)
    except MinutesInvalid:
        await _ask_minutes(message, state)
        return
    await state.update_data(minutes=minutes)
    await _ask_when(message, state)


async def chose_minutes(
    callback: CallbackQuery, callback_data: OfferStep, state: FSMContext
) -> None:
    minutes = number_in(callback_data.value)
    if minutes not in views.MINUTE_CHOICES:
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await state.update_data(minutes=minutes)
    await pressed_then_ask(
        callback, state, OfferFlow.when, views.when_question(), views.when_keyboard(),
        note=duration_label(minutes),
    )  # fmt: skip


async def typed_minutes(message: Message, state: FSMContext) -> None:
    minutes = parse_duration(message.text)
    try:
        offers.check_minutes(minutes)
    except MinutesInvalid:
        await ask(message, state, None, views.minutes_not_understood(), views.minutes_keyboard())
        return
    await state.update_data(minutes=minutes)
    await _ask_when(message, state)


async def _save(
    message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot, **when: str | None
) -> None:
    data = await state.get_data()
    draft = offers.OfferDraft(
        minutes=int(data.get("minutes") or 0),
        kind=data.get("kind"),
        words=data.get("words") or "",
        free_when=when.get("free_when"),
        free_words=when.get("free_words") or "",
    )
    person = ctx.person
    assert person is not None
    try:
        offer = await offers.offer_time(ctx.session, person, draft, clock=ctx.clock)
    except TextTooLong as error:
        await message.answer(views.too_long_text(error.limit))
        return
    except InvalidInput:  # the flow's notes lost or forged: start again
        await state.clear()
        await send_main_menu(bot, message.chat.id, person, stale_button_text())
        return
    await notify.offer_made(ctx.notifier, offer, person)
    await state.clear()
    await send_main_menu(bot, message.chat.id, person, views.saved_text(offer))


async def chose_when(
    callback: CallbackQuery,
    callback_data: OfferStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    if callback_data.value not in offers.FREE_WHEN or not isinstance(callback.message, Message):
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await answer_now(callback)
    await retire_buttons(callback, views.when_label(callback_data.value))
    await _save(callback.message, state, ctx, bot, free_when=callback_data.value)


async def typed_when(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    try:
        words = offers.clean_words(message.text, offers.FREE_WORDS_MAX)
    except TextTooLong as error:
        await message.answer(views.too_long_text(error.limit))
        return
    if not words or words.startswith("/"):
        await ask_once_more(message, state)
        return
    await _save(message, state, ctx, bot, free_words=words)


async def expected_a_button(message: Message, state: FSMContext) -> None:
    await ask_once_more(message, state)


async def withdraw_pressed(
    callback: CallbackQuery, callback_data: OfferAction, ctx: UpdateContext
) -> None:
    try:
        offer = await offers.withdraw(
            ctx.session, ctx.person, callback_data.offer_id, callback_data.version, clock=ctx.clock
        )
    except (offers.OfferNotFound, offers.OfferChanged):
        await callback.answer(stale_button_text(), show_alert=True)
        return
    assert ctx.person is not None
    await notify.offer_withdrawn(ctx.notifier, offer, ctx.person)
    await callback.answer(views.withdrawn_text(), show_alert=True)
    mine = await offers.own_offers(ctx.session, ctx.person)
    if isinstance(callback.message, Message):
        await edit_pressed(
            callback,
            views.own_offers_text(mine) if mine else views.withdrawn_text(),
            views.withdraw_keyboard(mine) if mine else None,
        )


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="time_offers")
    menu_at = StateFilter(None, *OfferFlow.__all_states__)
    router.message.register(start_offer, Command("offer"))
    router.message.register(start_offer, PRIVATE, menu_at, button_text(OFFER_BUTTON))
    step = OfferStep.filter
    router.callback_query.register(start_pressed, step(F.field == "start"))
    router.callback_query.register(chose_kind, OfferFlow.what, step(F.field == "kind"))
    router.message.register(typed_what, OfferFlow.what, PRIVATE, F.text)
    router.callback_query.register(chose_minutes, OfferFlow.minutes, step(F.field == "min"))
    router.message.register(typed_minutes, OfferFlow.minutes, PRIVATE, F.text)
    router.callback_query.register(chose_when, OfferFlow.when, step(F.field == "when"))
    router.message.register(typed_when, OfferFlow.when, PRIVATE, F.text)
    router.message.register(expected_a_button, StateFilter(*OfferFlow.__all_states__))
    router.callback_query.register(withdraw_pressed, OfferAction.filter(F.action == "withdraw"))
    return router
