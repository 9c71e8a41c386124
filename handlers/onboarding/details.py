"""Registering, the details: name (unless agreed to with the Telegram name), phone (optional),
the place (a tap on one of the buildings or areas the coordinators defined). A resident who
tapped her place is registered: no separate address. While the coordinators have defined no
places she types her address instead (optional; otherwise asked at her first request)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import PlaceChoice
from bot.commands import set_chat_commands
from bot.context import UpdateContext
from bot.policy.permissions import holds_coordinator_role
from bot.services import places, users
from bot.services.errors import (
    DescriptionEmpty,
    InvalidInput,
    NameEmpty,
    PhoneInvalid,
    PlaceNotFound,
)
from bot.views import keyboards
from bot.views import onboarding as views
from bot.views import places as place_views
from handlers.onboarding.questions import (
    ask_current_step,
    go_to,
    is_volunteer,
    where_registered,
)
from handlers.onboarding.states import Onboarding
from handlers.replies import retire_buttons, send_main_menu, stale_button_text
from storage.models import Place, UserRole


async def got_name(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    try:
        name = users.clean_name(message.text or "")
    except InvalidInput as error:
        await message.answer(views.invalid_input_text(error))
        return
    await state.update_data(name=name)
    await go_to(Onboarding.phone, bot, message.chat.id, state, ctx.session)


async def got_contact(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    contact = message.contact
    assert contact is not None
    if message.from_user is None or contact.user_id != message.from_user.id:
        await message.answer(views.own_number_text())
        return
    await _save_phone(message, state, ctx, bot, contact.phone_number)


async def skipped_phone(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    await state.update_data(phone=None)
    await _after_phone(message.chat.id, state, ctx, bot)


async def typed_phone(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    await _save_phone(message, state, ctx, bot, message.text or "")


async def _save_phone(
    message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot, raw: str
) -> None:
    try:
        phone = users.normalise_phone(raw)
    except InvalidInput as error:
        await message.answer(
            views.invalid_input_text(error), reply_markup=keyboards.phone_request()
        )
        return
    await state.update_data(phone=phone)
    await _after_phone(message.chat.id, state, ctx, bot)


async def _after_phone(chat_id: int, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    """On to the place; while the coordinators have defined none, a resident types her address
    (or skips it) instead."""
    await state.update_data(place_id=None)
    if await places.offered(ctx.session, places.of_person(ctx.person)):
        await go_to(Onboarding.area, bot, chat_id, state, ctx.session)
        return
    if (await state.get_data()).get("role", UserRole.RESIDENT.value) == UserRole.RESIDENT.value:
        await go_to(Onboarding.address, bot, chat_id, state, ctx.session)
        return
    await _after_place(chat_id, state, ctx, bot)


async def chose_place(
    callback: CallbackQuery,
    callback_data: PlaceChoice,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    place: Place | None = None
    if callback_data.place_id != place_views.NOT_SURE:
        try:
            place = await places.offered_place(
                ctx.session, callback_data.place_id, places.of_person(ctx.person)
            )
        except PlaceNotFound:
            await callback.answer(stale_button_text())
            await ask_current_step(bot, callback.from_user.id, state, "", ctx.session)
            return
    await callback.answer()
    volunteer = is_volunteer(await state.get_data())
    await retire_buttons(callback, place_views.chosen_label(place, volunteer=volunteer))
    await state.update_data(place_id=place.id if place else None)
    await _after_place(callback.from_user.id, state, ctx, bot)


async def typed_place(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    """The name of a place typed instead of tapped: taken if it is one of the list. Anything
    else a resident types there is her address (kept, and she is registered); a volunteer is
    asked to tap."""
    place = await places.offered_named(
        ctx.session, message.text or "", places.of_person(ctx.person)
    )
    if place is not None:
        await state.update_data(place_id=place.id)
        await _after_place(message.chat.id, state, ctx, bot)
        return
    if is_volunteer(await state.get_data()):
        await expected_a_button(message, state, ctx, bot)
        return
    try:
        address = users.clean_address(message.text or "")
    except InvalidInput as error:
        await message.answer(views.invalid_input_text(error))
        return
    await _register(message.chat.id, state, ctx, bot, address=address)


async def _after_place(chat_id: int, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    """A resident is registered: the place she tapped is where help goes (door details go in a
    request, or a coordinator asks); volunteers go on to what they offer."""
    role = (await state.get_data()).get("role", UserRole.RESIDENT.value)
    if role == UserRole.VOLUNTEER.value and not holds_coordinator_role(ctx.person):
        await state.update_data(skills=[], languages=[])
        await go_to(Onboarding.skills, bot, chat_id, state, ctx.session)
        return
    await _register(chat_id, state, ctx, bot, address=None)


async def got_address(message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot) -> None:
    try:
        address = users.clean_address(message.text or "")
    except InvalidInput as error:
        await message.answer(
            views.invalid_input_text(error), reply_markup=keyboards.skip_keyboard()
        )
        return
    await _register(message.chat.id, state, ctx, bot, address=address)


async def skipped_address(
    message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    await _register(message.chat.id, state, ctx, bot, address=None)


async def _register(
    chat_id: int, state: FSMContext, ctx: UpdateContext, bot: Bot, *, address: str | None
) -> None:
    """Save a resident (or a coordinator) and show the main menu."""
    data: dict[str, Any] = await state.get_data()
    user = ctx.person
    assert user is not None
    await users.complete_onboarding(
        ctx.session,
        user,
        role=UserRole(data.get("role", UserRole.RESIDENT.value)),
        display_name=data["name"],
        phone=data.get("phone"),
        place=await chosen_place(ctx, data),
        address=address,
        clock=ctx.clock,
        settings=ctx.settings,
    )
    await state.clear()
    await set_chat_commands(bot, ctx.i18n, chat_id, ctx.i18n.current_locale, user.role)
    welcome = views.welcome_text(user) + await where_registered(ctx)
    await send_main_menu(bot, chat_id, user, welcome)


async def chosen_place(ctx: UpdateContext, data: dict[str, Any]) -> Place | None:
    """The place tapped earlier in the conversation, if it is still offered."""
    if not data.get("place_id"):
        return None
    try:
        return await places.offered_place(
            ctx.session, int(data["place_id"]), places.of_person(ctx.person)
        )
    except PlaceNotFound:
        return None


async def expected_a_button(
    message: Message, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    """Free text, a sticker, a voice note... where a button was expected."""
    await message.answer(views.tap_below_text())
    first_name = message.from_user.first_name if message.from_user else ""
    await ask_current_step(bot, message.chat.id, state, first_name, ctx.session)


async def expected_text(message: Message, state: FSMContext) -> None:
    """A sticker, photo or voice note where a typed answer was expected."""
    if await state.get_state() == Onboarding.name.state:
        await message.answer(views.invalid_input_text(NameEmpty()))
    else:
        await message.answer(
            views.invalid_input_text(DescriptionEmpty()), reply_markup=keyboards.skip_keyboard()
        )


async def expected_phone(message: Message) -> None:
    await message.answer(
        views.invalid_input_text(PhoneInvalid()), reply_markup=keyboards.phone_request()
    )
