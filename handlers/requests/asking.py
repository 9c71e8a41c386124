"""A resident asks for help: category → what → when → where → access notes → summary, a short
FSM conversation kept in the database, each step moved on with `handlers.wizard`.

"🚨 It's urgent", or anything that sounds like an emergency at any step of any flow (heard
first, by handlers.emergency), is answered at once with the emergency numbers and recorded as
an urgent request the coordinators are alerted to: it must never wait in a half-finished
conversation.

This router also holds the residents' menu entries ("🙋 I need help", "📋 My requests"), so
they win over the typed answers of this flow and of `handlers.requests.mine`."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import NewRequestStep, PlaceChoice
from bot.context import UpdateContext
from bot.policy.notify import requests as notify
from bot.services import places, requests, users
from bot.services.errors import DayOutOfRange, DescriptionEmpty, InvalidInput, PlaceNotFound
from bot.services.requests import RequestDraft
from bot.services.slots import upcoming_days
from bot.views import asking as views
from bot.views import places as place_views
from bot.views.texts import category_label, day_part_label, day_with_weekday
from handlers.emergency import answer_emergency
from handlers.replies import button_text, retire_buttons, send_main_menu, stale_button_text
from handlers.requests.mine import refuse_if_not_resident, show_my_requests
from handlers.requests.states import AfterRequest, AskHelp
from handlers.wizard import Markup, answer_now, ask, pressed_then_ask
from storage.models import DayPart, RequestCategory, RequestTiming, User

Question = tuple[State, str, Markup]
"""The next step of the flow: its state, its question and its buttons."""


def draft_of(data: dict[str, Any]) -> RequestDraft:
    return RequestDraft(
        category=RequestCategory(data["category"]),
        description=data.get("description") or "",
        voice_file_id=data.get("voice"),
        photo_file_id=data.get("photo"),
        timing=RequestTiming(data.get("timing", RequestTiming.ASAP.value)),
        day=date.fromisoformat(data["day"]) if data.get("day") else None,
        day_part=DayPart(data.get("part", DayPart.ANY.value)),
        address=data.get("address"),
        access_notes=data.get("notes"),
        save_address=bool(data.get("save")),
    )


# the next questions


def _category() -> Question:
    return AskHelp.category, views.category_question(), views.category_keyboard()


def _when(text: str | None = None) -> Question:
    return AskHelp.when, text or views.when_question(), views.when_keyboard()


def _day(days: list[date]) -> Question:
    return AskHelp.day, views.day_question(), views.day_keyboard(days)


def _day_part() -> Question:
    return AskHelp.day_part, views.day_part_question(), views.day_part_keyboard()


async def _where(state: FSMContext, ctx: UpdateContext) -> Question:
    """The place first, once, for someone who has none yet (registered before the
    coordinators defined places); then the address."""
    user = ctx.person
    assert user is not None
    if user.place_id is None and not (await state.get_data()).get("place_asked"):
        offered = await places.offered(ctx.session)
        if offered:
            await state.update_data(place_asked=True)
            return (
                AskHelp.place,
                place_views.choice_question(volunteer=False),
                place_views.choice_keyboard(offered, volunteer=False),
            )
    if user.address:
        return AskHelp.where, views.where_question(), views.where_keyboard(user.address)
    return AskHelp.address, views.first_address_question(), None


def _notes() -> Question:
    return AskHelp.notes, views.notes_question(), views.notes_keyboard()


async def _summary(state: FSMContext, user: User | None) -> Question:
    assert user is not None
    text = views.summary_text(await state.get_data(), user)
    return AskHelp.confirm, text, views.confirm_keyboard()


# the steps


async def start_asking(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    if await refuse_if_not_resident(message, ctx):
        return
    await state.clear()
    await ask(message, state, *_category())


async def chose_category(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext
) -> None:
    try:
        category = RequestCategory(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    await answer_now(callback)
    await state.update_data(category=category.value)
    question = views.description_question()
    await pressed_then_ask(
        callback, state, AskHelp.description, question, note=category_label(category)
    )


async def got_description(message: Message, state: FSMContext) -> None:
    voice = message.voice.file_id if message.voice else None
    photo = message.photo[-1].file_id if message.photo else None
    try:
        text = requests.clean_long_text(
            message.text or message.caption or "", requests.DESCRIPTION_MAX
        )
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    if not (text or voice or photo):
        await message.answer(views.invalid_text(DescriptionEmpty()))
        return
    await state.update_data(description=text, voice=voice, photo=photo)
    await ask(message, state, *_when())


async def description_not_usable(message: Message) -> None:
    """A sticker, a location, a file...: not something a volunteer can read."""
    await message.answer(views.invalid_text(DescriptionEmpty()))


async def chose_when(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext, ctx: UpdateContext
) -> None:
    try:
        timing = RequestTiming(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    await answer_now(callback)
    await state.update_data(timing=timing.value, day=None, part=DayPart.ANY.value)
    if timing is RequestTiming.ASAP:
        question = await _where(state, ctx)
        await pressed_then_ask(callback, state, *question, note=_("as soon as possible"))
    elif timing is RequestTiming.DAY:
        assert ctx.person is not None
        days = upcoming_days(ctx.clock.now(), ctx.person.timezone)
        await pressed_then_ask(callback, state, *_day(days), note=views.timing_label(timing))
    else:
        await pressed_then_ask(callback, state, *_day_part(), note=views.timing_label(timing))


async def chose_day(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext, ctx: UpdateContext
) -> None:
    assert ctx.person is not None
    days = {day.isoformat(): day for day in upcoming_days(ctx.clock.now(), ctx.person.timezone)}
    day = days.get(callback_data.value)
    if day is None:  # forged, or a list drawn on another day
        await callback.answer(_("Sorry, that day cannot be chosen. Please pick one below."))
        if isinstance(callback.message, Message):
            _step, text, markup = _day(list(days.values()))
            await ask(callback.message, state, None, text, markup)
        return
    await answer_now(callback)
    await state.update_data(day=day.isoformat())
    await pressed_then_ask(callback, state, *_day_part(), note=day_with_weekday(day))


async def chose_day_part(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext, ctx: UpdateContext
) -> None:
    try:
        part = DayPart(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    await answer_now(callback)
    await state.update_data(part=part.value)
    question = await _where(state, ctx)
    await pressed_then_ask(callback, state, *question, note=day_part_label(part))


async def chose_place(
    callback: CallbackQuery, callback_data: PlaceChoice, state: FSMContext, ctx: UpdateContext
) -> None:
    place = None
    if callback_data.place_id != place_views.NOT_SURE:
        try:
            place = await places.choose_place(
                ctx.session, ctx.person, callback_data.place_id, clock=ctx.clock
            )
        except PlaceNotFound:
            await callback.answer(stale_button_text())
            return
    question = await _where(state, ctx)
    note = place_views.chosen_label(place, volunteer=False)
    await pressed_then_ask(callback, state, *question, note=note)


async def chose_where(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext, ctx: UpdateContext
) -> None:
    saved = ctx.person.address if ctx.person else None
    if callback_data.value == "saved" and saved:
        await state.update_data(address=None)
        await pressed_then_ask(callback, state, *_notes(), note=views.saved_address_label(saved))
        return
    question = views.other_address_question()
    await pressed_then_ask(
        callback, state, AskHelp.address, question, note=views.other_address_label()
    )


async def got_address(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    try:
        address = requests.clean_address(message.text or "")
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    assert ctx.person is not None
    if not ctx.person.address:
        # Asked once: the first address given is the person's, for visits and alerts too.
        await users.save_address(ctx.session, ctx.person, address, clock=ctx.clock)
        await state.update_data(address=None)
        await message.answer(_("🏠 Thank you. I will remember this address."))
        await ask(message, state, *_notes())
        return
    await state.update_data(address=address)
    await ask(
        message,
        state,
        AskHelp.save_address,
        views.save_address_question(),
        views.save_address_keyboard(),
    )


async def address_not_usable(message: Message) -> None:
    await message.answer(_("Please type the address in words ✍️"))


async def chose_save(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext
) -> None:
    save = callback_data.value == "yes"
    await answer_now(callback)
    await state.update_data(save=save)
    await pressed_then_ask(callback, state, *_notes(), note=views.save_label(save))


async def got_notes(message: Message, state: FSMContext, ctx: UpdateContext) -> None:
    try:
        notes = requests.clean_long_text(message.text or "", requests.NOTES_MAX)
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    await state.update_data(notes=notes or None)
    await ask(message, state, *await _summary(state, ctx.person))


async def skipped_notes(callback: CallbackQuery, state: FSMContext, ctx: UpdateContext) -> None:
    await answer_now(callback)
    await state.update_data(notes=None)
    question = await _summary(state, ctx.person)
    await pressed_then_ask(callback, state, *question, note=views.skip_label())


async def notes_not_usable(message: Message) -> None:
    await message.answer(
        _("Please type it in words, or tap “⏭ Skip”."), reply_markup=views.notes_keyboard()
    )


async def confirmed(
    callback: CallbackQuery,
    callback_data: NewRequestStep,
    state: FSMContext,
    ctx: UpdateContext,
    bot: Bot,
) -> None:
    message, user = callback.message, ctx.person
    assert isinstance(message, Message) and user is not None
    if callback_data.value == "cancel":
        await callback.answer()
        await retire_buttons(callback, views.confirm_label("cancel"))
        await state.clear()
        await send_main_menu(bot, message.chat.id, user, _("OK, nothing was sent."))
        return
    if callback_data.value == "restart":
        await state.clear()
        await pressed_then_ask(callback, state, *_category(), note=views.confirm_label("restart"))
        return
    await callback.answer()
    try:
        draft = draft_of(await state.get_data())
        request = await requests.submit_request(ctx.session, user, draft, clock=ctx.clock)
    except DayOutOfRange:
        await ask(message, state, *_when(_("Sorry, that day has passed. When do you need help?")))
        return
    except InvalidInput as error:
        await message.answer(views.invalid_text(error))
        return
    await notify.request_submitted(ctx.notifier, request, user, emergency=False)
    await retire_buttons(callback, views.confirm_label("send"))
    await state.clear()
    text = views.submitted_text(requests.reference(request))
    await send_main_menu(bot, message.chat.id, user, text)


async def expected_a_button(message: Message) -> None:
    await message.answer(_("Please tap one of the buttons above 👆. To stop, write “stop”."))


async def urgent_pressed(
    callback: CallbackQuery, state: FSMContext, ctx: UpdateContext, bot: Bot
) -> None:
    await callback.answer()
    await retire_buttons(callback, views.urgent_label())
    await answer_emergency(callback.from_user.id, "", state, ctx, bot)


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="asking")
    # words that sound like an emergency are heard before any router (handlers.emergency)
    menu_at = StateFilter(None, *AskHelp.__all_states__, *AfterRequest.__all_states__)
    router.message.register(start_asking, Command("request"))
    router.message.register(start_asking, menu_at, button_text("🙋 I need help"))
    router.message.register(show_my_requests, Command("myrequests"))
    router.message.register(show_my_requests, menu_at, button_text("📋 My requests"))
    step = NewRequestStep.filter
    router.callback_query.register(urgent_pressed, AskHelp.category, step(F.field == "urgent"))
    router.callback_query.register(chose_category, AskHelp.category, step(F.field == "cat"))
    router.message.register(got_description, AskHelp.description, F.text | F.voice | F.photo)
    router.message.register(description_not_usable, AskHelp.description)
    router.callback_query.register(chose_when, AskHelp.when, step(F.field == "when"))
    router.callback_query.register(chose_day, AskHelp.day, step(F.field == "day"))
    router.callback_query.register(chose_day_part, AskHelp.day_part, step(F.field == "part"))
    router.callback_query.register(chose_place, AskHelp.place, PlaceChoice.filter())
    router.callback_query.register(chose_where, AskHelp.where, step(F.field == "where"))
    router.message.register(got_address, AskHelp.address, F.text)
    router.message.register(address_not_usable, AskHelp.address)
    router.callback_query.register(chose_save, AskHelp.save_address, step(F.field == "save"))
    router.message.register(got_notes, AskHelp.notes, F.text)
    router.message.register(notes_not_usable, AskHelp.notes)
    router.callback_query.register(skipped_notes, AskHelp.notes, step(F.field == "notes"))
    router.callback_query.register(confirmed, AskHelp.confirm, step(F.field == "confirm"))
    router.message.register(
        expected_a_button,
        StateFilter(
            AskHelp.category,
            AskHelp.when,
            AskHelp.day,
            AskHelp.day_part,
            AskHelp.place,
            AskHelp.where,
            AskHelp.save_address,
            AskHelp.confirm,
        ),
    )
    return router
