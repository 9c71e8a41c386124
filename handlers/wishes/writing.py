"""Writing a small wish: a resident for her own household, or a coordinator for a household
of their community (someone without a phone): which household → kind → a few words (or a
voice note, a photo) → about how much → how to call her → her age, roughly → send. Each step
is moved on with `handlers.wizard`; what is written waits for the coordinators' check.

This router also holds the menu entries "🌟 Make a wish" and /wish."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import WishStep, number_in
from bot.context import UpdateContext
from bot.policy.notify import wishes as notify
from bot.policy.permissions import Action, is_registered, may
from bot.services import households, wishes
from bot.services.errors import InvalidInput, NotAllowed, TextTooLong
from bot.services.wishes import WishDraft
from bot.views import wish_writing as views
from bot.views.wishes import age_label, gone_text, kind_label, private_only_text, value_label
from handlers.media import sent_media, words_of
from handlers.replies import (
    button_text,
    not_registered_text,
    retire_buttons,
    send_main_menu,
    stale_button_text,
)
from handlers.wishes.states import WishInput, WriteWish
from handlers.wizard import answer_now, ask, ask_once_more, pressed_then_ask
from storage.models import WishKind

BUTTON_STEPS = (WriteWish.household, WriteWish.kind, WriteWish.age, WriteWish.confirm)


async def start_wish(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    person = ctx.person
    if message.chat.type != "private":  # a wish is hers: never written where others read
        await message.answer(private_only_text())
        return
    if not is_registered(person):
        await message.answer(not_registered_text())
        return
    await state.clear()
    if may(person, Action.MANAGE_HOUSEHOLDS):
        found = await wishes.households_to_post_for(ctx.session, person, settings=ctx.settings)
        await state.update_data(for_someone=True)
        await ask(
            message,
            state,
            WriteWish.household,
            views.household_question(),
            views.household_keyboard(found),
        )
        return
    if not may(person, Action.POST_WISH):
        await message.answer(views.only_residents_text())
        return
    under_way = await wishes.own_under_way(ctx.session, person)
    if under_way:
        await message.answer(views.own_wishes_text(under_way))
    await ask(message, state, WriteWish.kind, views.kind_question(), views.kind_keyboard())


async def chose_household(
    callback: CallbackQuery, callback_data: WishStep, state: FSMContext, ctx: UpdateContext
) -> None:
    if callback_data.value == "new":
        await pressed_then_ask(
            callback,
            state,
            WriteWish.new_household,
            views.new_household_question(),
            note=views.new_household_label(),
            placeholder=views.new_household_placeholder(),
            stop=True,
        )
        return
    household_id = number_in(callback_data.value)
    found = await wishes.households_to_post_for(ctx.session, ctx.person, settings=ctx.settings)
    chosen = next((h for h in found if h.id == household_id), None)
    if chosen is None:  # forged, or another community's
        await callback.answer(stale_button_text(), show_alert=True)
        return
    await state.update_data(household=chosen.id)
    await pressed_then_ask(
        callback,
        state,
        WriteWish.kind,
        views.kind_question(for_someone=True),
        views.kind_keyboard(),
        note=f"🏠 {chosen.code}",
    )


async def typed_code(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """A household's code typed ("A17") where one is chosen: any of the coordinator's, also
    those not on the buttons."""
    code = (message.text or "").strip().upper()
    found = await wishes.households_to_post_for(ctx.session, ctx.person, settings=ctx.settings)
    chosen = next((h for h in found if h.code == code), None)
    if chosen is None:
        await ask_once_more(message, state)
        return
    await state.update_data(household=chosen.id)
    await ask(
        message, state, WriteWish.kind, views.kind_question(for_someone=True), views.kind_keyboard()
    )


async def typed_household(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    """A new household, opened under the words the coordinator typed (theirs alone to read)."""
    assert ctx.person is not None and ctx.person.community_id is not None
    try:
        household = await households.open_household(
            ctx.session,
            community_id=ctx.person.community_id,
            label=message.text or "",
            now=ctx.clock.now(),
            by=ctx.person,
        )
    except InvalidInput:
        await message.answer(views.household_label_invalid())
        return
    except NotAllowed:
        await state.clear()
        await message.answer(gone_text())
        return
    await state.update_data(household=household.id)
    await message.answer(views.household_opened(household.code))
    await ask(
        message, state, WriteWish.kind, views.kind_question(for_someone=True), views.kind_keyboard()
    )


async def chose_kind(callback: CallbackQuery, callback_data: WishStep, state: FSMContext) -> None:
    try:
        kind = WishKind(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    await state.update_data(kind=kind.value)
    await pressed_then_ask(
        callback,
        state,
        WriteWish.words,
        views.words_question(kind),
        note=kind_label(kind),
        placeholder=views.words_placeholder(),
        stop=True,
    )


async def got_words(message: Message, state: FSMContext) -> None:
    media = sent_media(message)
    try:
        words = wishes.clean_words(words_of(message))
    except TextTooLong as error:
        await message.answer(views.too_long(error.limit))
        return
    if not (words or media):
        await message.answer(views.words_not_usable())
        return
    await state.update_data(
        words=words,
        voice=media.file_id if media and media.kind == "voice" else None,
        photo=media.file_id if media and media.kind == "photo" else None,
    )
    await ask(message, state, WriteWish.value, views.value_question(), views.value_keyboard())


async def words_not_usable(message: Message) -> None:
    await message.answer(views.words_not_usable())


async def _ask_address_as(message: Message, state: FSMContext) -> None:
    for_someone = bool((await state.get_data()).get("for_someone"))
    await ask(
        message,
        state,
        WriteWish.address_as,
        views.address_as_question(for_someone),
        placeholder=views.address_as_placeholder(),
        stop=True,
    )


async def chose_value(callback: CallbackQuery, callback_data: WishStep, state: FSMContext) -> None:
    value = number_in(callback_data.value)
    if value is None or (value and value not in views.VALUES):
        await callback.answer(stale_button_text())
        return
    await answer_now(callback)
    await state.update_data(value=value)
    await retire_buttons(callback, value_label(value))
    if isinstance(callback.message, Message):
        await _ask_address_as(callback.message, state)


async def typed_value(message: Message, state: FSMContext) -> None:
    try:
        value = wishes.parse_value(message.text)
    except InvalidInput:
        await ask(message, state, None, views.value_not_understood(), views.value_keyboard())
        return
    await state.update_data(value=value)
    await _ask_address_as(message, state)


async def _ask_age(message: Message, state: FSMContext) -> None:
    await ask(message, state, WriteWish.age, views.age_question(), views.age_keyboard())


async def typed_address_as(message: Message, state: FSMContext) -> None:
    try:
        address_as = wishes.clean_address_as(message.text)
    except InvalidInput:
        await message.answer(views.address_as_invalid())
        return
    await state.update_data(address_as=address_as)
    await _ask_age(message, state)


async def type_it_please(message: Message) -> None:
    await message.answer(views.address_as_invalid())


async def chose_age(callback: CallbackQuery, callback_data: WishStep, state: FSMContext) -> None:
    if callback_data.value not in wishes.AGE_BANDS:
        await callback.answer(stale_button_text())
        return
    await state.update_data(age=callback_data.value)
    text = views.summary(await state.get_data())
    await pressed_then_ask(
        callback,
        state,
        WriteWish.confirm,
        text,
        views.confirm_keyboard(),
        note=age_label(callback_data.value),
    )


async def confirmed(
    callback: CallbackQuery,
    callback_data: WishStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    message, person = callback.message, ctx.person
    if callback_data.value not in views.CONFIRM_CHOICES or not isinstance(message, Message):
        await callback.answer(stale_button_text())
        return
    assert person is not None
    await answer_now(callback)
    if callback_data.value == "cancel":
        await retire_buttons(callback, views.confirm_label("cancel"))
        await state.clear()
        await send_main_menu(bot, message.chat.id, person, views.not_sent_text())
        return
    data = await state.get_data()
    draft = WishDraft(
        kind=WishKind(data["kind"]),
        description=data.get("words") or "",
        address_as=data.get("address_as") or "",
        age_band=data.get("age") or "",
        value_yuan=int(data.get("value") or 0) or None,
        voice_file_id=data.get("voice"),
        photo_file_id=data.get("photo"),
    )
    household_id = data.get("household")
    try:
        wish, _household = await wishes.post_wish(
            ctx.session,
            person,
            draft,
            clock=ctx.clock,
            household_id=int(household_id) if household_id else None,
            settings=ctx.settings,
        )
    except (InvalidInput, NotAllowed, wishes.WishNotFound):
        await state.clear()
        await retire_buttons(callback)
        await send_main_menu(bot, message.chat.id, person, gone_text())
        return
    await notify.wish_posted(ctx.notifier, wish)
    await retire_buttons(callback, views.confirm_label("send"))
    await state.clear()
    await send_main_menu(bot, message.chat.id, person, views.posted_text(wish, wish.for_someone))


async def expected_a_button(message: Message, state: FSMContext) -> None:
    await ask_once_more(message, state)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="wish_writing")
    private = F.chat.type == "private"
    menu_at = StateFilter(None, *WriteWish.__all_states__, *WishInput.__all_states__)
    router.message.register(start_wish, Command("wish"))
    router.message.register(start_wish, private, menu_at, button_text("🌟 Make a wish"))
    step = WishStep.filter
    router.callback_query.register(chose_household, WriteWish.household, step(F.field == "hh"))
    router.message.register(typed_code, WriteWish.household, F.text)
    router.message.register(typed_household, WriteWish.new_household, F.text)
    router.message.register(type_it_please, WriteWish.new_household)
    router.callback_query.register(chose_kind, WriteWish.kind, step(F.field == "kind"))
    router.message.register(got_words, WriteWish.words, F.text | F.voice | F.photo)
    router.message.register(words_not_usable, WriteWish.words)
    router.callback_query.register(chose_value, WriteWish.value, step(F.field == "value"))
    router.message.register(typed_value, WriteWish.value, F.text)
    router.message.register(typed_address_as, WriteWish.address_as, F.text)
    router.message.register(type_it_please, WriteWish.address_as)
    router.callback_query.register(chose_age, WriteWish.age, step(F.field == "age"))
    router.callback_query.register(confirmed, WriteWish.confirm, step(F.field == "confirm"))
    router.message.register(expected_a_button, WriteWish.value)
    router.message.register(expected_a_button, StateFilter(*BUTTON_STEPS))
    return router
