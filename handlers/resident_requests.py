"""A resident asks for help, follows and cancels their requests, rates the help, and answers a
coordinator's question.

Asking is a short FSM conversation kept in the database: category → what → when → where →
access notes → summary. "🚨 It's urgent", or anything that sounds like an emergency at any step
of any flow (heard first, by handlers.emergency), is answered at once with the emergency numbers
and recorded as an urgent request the coordinators are alerted to: it must never wait in a
half-finished conversation."""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import NewRequestStep, PlaceChoice, RequestAction
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.delivery.outbox import Priority
from bot.services import places, requests, users
from bot.services.errors import (
    DayOutOfRange,
    DescriptionEmpty,
    InvalidInput,
    PlaceNotFound,
    RatingInvalid,
    RequestChanged,
    RequestNotFound,
    TextTooLong,
)
from bot.services.requests import RequestDraft
from bot.services.slots import upcoming_days
from bot.views import places as place_views
from bot.views.texts import category_label, date_label, day_part_label, resident_card
from handlers.coordination import announce_request
from handlers.replies import button_text, retire_buttons, send_main_menu, stale_button_text
from storage.models import DayPart, HelpRequest, RequestCategory, RequestTiming, User, UserRole

FINISHED = requests.FINISHED


class AskHelp(StatesGroup):
    category = State()
    description = State()
    when = State()
    day = State()
    day_part = State()
    place = State()  # only for someone who has no place yet
    where = State()
    address = State()
    save_address = State()
    notes = State()
    confirm = State()


class AfterRequest(StatesGroup):
    comment = State()
    answer = State()


# keyboards


def _step(field: str, value: str, text: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=text, callback_data=NewRequestStep(field=field, value=value).pack()
        )
    ]


def category_keyboard() -> InlineKeyboardMarkup:
    rows = [_step("urgent", "yes", _("🚨 It's urgent"))]
    rows += [_step("cat", category.value, category_label(category)) for category in RequestCategory]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def when_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            _step("when", RequestTiming.ASAP.value, _("⚡ As soon as possible")),
            _step("when", RequestTiming.TODAY.value, _("📅 Today")),
            _step("when", RequestTiming.TOMORROW.value, _("📅 Tomorrow")),
            _step("when", RequestTiming.DAY.value, _("🗓 Pick a day")),
        ]
    )


def weekday_label(day: date) -> str:
    names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    return _("{weekday} {date}").format(weekday=names[day.weekday()], date=date_label(day))


def day_keyboard(days: list[date]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[_step("day", day.isoformat(), weekday_label(day)) for day in days]
    )


def day_part_keyboard() -> InlineKeyboardMarkup:
    emoji = {
        DayPart.ANY: "🕘",
        DayPart.MORNING: "🌅",
        DayPart.AFTERNOON: "☀️",
        DayPart.EVENING: "🌆",
    }
    return InlineKeyboardMarkup(
        inline_keyboard=[
            _step("part", part.value, f"{emoji[part]} {day_part_label(part)}") for part in DayPart
        ]
    )


def where_keyboard(saved_address: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            _step("where", "saved", "🏠 " + saved_address[:60]),
            _step("where", "other", _("📍 Another address")),
        ]
    )


def save_address_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            _step("save", "yes", _("💾 Yes, remember it")),
            _step("save", "no", _("Only this time")),
        ]
    )


def notes_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_step("notes", "skip", _("⏭ Skip"))])


def confirm_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            _step("confirm", "send", _("✅ Send")),
            _step("confirm", "restart", _("✏️ Start again")),
            _step("confirm", "cancel", _("✖️ Cancel")),
        ]
    )


def _action(action: str, request_id: int, text: str, value: int = 0) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=text,
            callback_data=RequestAction(action=action, request_id=request_id, value=value).pack(),
        )
    ]


def cancel_keyboard(request: HelpRequest) -> InlineKeyboardMarkup | None:
    if request.status in FINISHED:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[_action("cancel", request.id, _("✖️ Cancel this request"))]
    )


# words


def emergency_text(settings: Settings) -> str:
    """What to do right now, with the configured numbers and translated service names."""
    services = {
        "ambulance": _("ambulance"),
        "fire": _("fire brigade"),
        "police": _("police"),
        "helpline": _("helpline"),
    }
    numbers = "\n".join(
        _("📞 <b>{number}</b> — {service}").format(number=number, service=services[service])
        for number, service in settings.emergency_number_list
    )
    return _(
        "🚨 <b>If someone is in danger or badly hurt, call now:</b>\n{numbers}\n\n"
        "Stay on the phone with them. If you can, open the door or ask a neighbour to wait "
        "with you."
    ).format(numbers=numbers)


def invalid_text(error: InvalidInput) -> str:
    if isinstance(error, TextTooLong):
        return _("That is a bit long. Please keep it under {limit} characters.").format(
            limit=error.limit
        )
    return _("Please say it in words, or send a voice message 🎤")


def summary_text(data: dict[str, Any], user: User) -> str:
    parts = [_("<b>Please check your request:</b>")]
    parts.append(category_label(RequestCategory(data["category"])))
    if data.get("description"):
        parts.append("💬 " + html.quote(data["description"]))
    if data.get("voice"):
        parts.append(_("🎤 (voice message)"))
    if data.get("photo"):
        parts.append(_("🖼 (photo)"))
    parts.append("🕒 " + draft_when_label(data))
    address = data.get("address") or user.address
    parts.append("🏠 " + html.quote(address or "—"))
    if data.get("notes"):
        parts.append("🔑 " + html.quote(data["notes"]))
    return "\n".join(parts)


def draft_when_label(data: dict[str, Any]) -> str:
    timing = RequestTiming(data.get("timing", RequestTiming.ASAP.value))
    part = day_part_label(DayPart(data.get("part", DayPart.ANY.value)))
    if timing is RequestTiming.ASAP:
        return _("as soon as possible")
    if timing is RequestTiming.TODAY:
        return _("today, {part}").format(part=part)
    if timing is RequestTiming.TOMORROW:
        return _("tomorrow, {part}").format(part=part)
    return _("{date}, {part}").format(
        date=weekday_label(date.fromisoformat(data["day"])), part=part
    )


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


async def _refuse_if_not_resident(message: Message, user: User) -> bool:
    """Only registered residents ask for help, in their private chat (never in a group, where
    others would read it); everyone else is told why, kindly."""
    if message.chat.type != "private":
        await message.answer(_("Please use this in your private chat with me."))
        return True
    if not user.is_onboarded:
        await message.answer(_("You are not registered yet. Send /start to begin."))
        return True
    if user.role is not UserRole.RESIDENT:
        await message.answer(
            _(
                "Asking for help is for residents. If a neighbour needs help, "
                "ask them to write to me."
            )
        )
        return True
    return False


# asking


async def start_asking(message: Message, state: FSMContext, user: User) -> None:
    if await _refuse_if_not_resident(message, user):
        return
    await state.clear()
    await state.set_state(AskHelp.category)
    await message.answer(
        _("🙋 What do you need help with? Tap one.\nIn an emergency tap “🚨 It's urgent”."),
        reply_markup=category_keyboard(),
    )


async def chose_category(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext
) -> None:
    try:
        category = RequestCategory(callback_data.value)
    except ValueError:
        await callback.answer(_("This button is no longer active. Please use the latest message."))
        return
    await callback.answer()
    await retire_buttons(callback, category_label(category))
    await state.update_data(category=category.value)
    await state.set_state(AskHelp.description)
    await callback.message.answer(  # type: ignore[union-attr]
        _(
            "What do you need? Write a few words, send a voice message 🎤, or a photo "
            "(with a caption if you like)."
        )
    )


async def got_description(message: Message, state: FSMContext) -> None:
    voice = message.voice.file_id if message.voice else None
    photo = message.photo[-1].file_id if message.photo else None
    try:
        text = requests.clean_long_text(
            message.text or message.caption or "", requests.DESCRIPTION_MAX
        )
    except InvalidInput as error:
        await message.answer(invalid_text(error))
        return
    if not (text or voice or photo):
        await message.answer(invalid_text(DescriptionEmpty()))
        return
    await state.update_data(description=text, voice=voice, photo=photo)
    await state.set_state(AskHelp.when)
    await message.answer(_("When do you need help?"), reply_markup=when_keyboard())


async def description_not_usable(message: Message) -> None:
    """A sticker, a location, a file...: not something a volunteer can read."""
    await message.answer(invalid_text(DescriptionEmpty()))


async def chose_when(
    callback: CallbackQuery,
    callback_data: NewRequestStep,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    user: User,
) -> None:
    try:
        timing = RequestTiming(callback_data.value)
    except ValueError:
        await callback.answer(_("This button is no longer active. Please use the latest message."))
        return
    await callback.answer()
    await state.update_data(timing=timing.value, day=None, part=DayPart.ANY.value)
    message = callback.message
    assert isinstance(message, Message)
    if timing is RequestTiming.ASAP:
        await retire_buttons(callback, _("as soon as possible"))
        await ask_where(message, state, user, session)
    elif timing is RequestTiming.DAY:
        await retire_buttons(callback, _("🗓 Pick a day"))
        await state.set_state(AskHelp.day)
        days = upcoming_days(clock.now(), user.timezone)
        await message.answer(_("Which day?"), reply_markup=day_keyboard(days))
    else:
        await retire_buttons(
            callback, _("📅 Today") if timing is RequestTiming.TODAY else _("📅 Tomorrow")
        )
        await state.set_state(AskHelp.day_part)
        await message.answer(_("What time of day suits you?"), reply_markup=day_part_keyboard())


async def chose_day(
    callback: CallbackQuery,
    callback_data: NewRequestStep,
    state: FSMContext,
    clock: Clock,
    user: User,
) -> None:
    days = {day.isoformat(): day for day in upcoming_days(clock.now(), user.timezone)}
    day = days.get(callback_data.value)
    if day is None:  # forged, or a list drawn on another day
        await callback.answer(_("Sorry, that day cannot be chosen. Please pick one below."))
        await callback.message.answer(  # type: ignore[union-attr]
            _("Which day?"), reply_markup=day_keyboard(list(days.values()))
        )
        return
    await callback.answer()
    await retire_buttons(callback, weekday_label(day))
    await state.update_data(day=day.isoformat())
    await state.set_state(AskHelp.day_part)
    await callback.message.answer(  # type: ignore[union-attr]
        _("What time of day suits you?"), reply_markup=day_part_keyboard()
    )


async def chose_day_part(
    callback: CallbackQuery,
    callback_data: NewRequestStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
) -> None:
    try:
        part = DayPart(callback_data.value)
    except ValueError:
        await callback.answer(_("This button is no longer active. Please use the latest message."))
        return
    await callback.answer()
    await retire_buttons(callback, day_part_label(part))
    await state.update_data(part=part.value)
    await ask_where(callback.message, state, user, session)  # type: ignore[arg-type]


async def ask_where(message: Message, state: FSMContext, user: User, session: AsyncSession) -> None:
    """The place first, once, for someone who has none yet (registered before the
    coordinators defined places); then the address."""
    if user.place_id is None and not (await state.get_data()).get("place_asked"):
        offered = await places.offered(session)
        if offered:
            await state.set_state(AskHelp.place)
            await state.update_data(place_asked=True)
            await message.answer(
                place_views.choice_question(volunteer=False),
                reply_markup=place_views.choice_keyboard(offered, volunteer=False),
            )
            return
    if user.address:
        await state.set_state(AskHelp.where)
        await message.answer(
            _("Where should the volunteer come?"), reply_markup=where_keyboard(user.address)
        )
    else:
        await state.set_state(AskHelp.address)
        await message.answer(
            _(
                "Where should the volunteer come? Please type the address: building, "
                "unit and flat number."
            )
        )


async def chose_place(
    callback: CallbackQuery,
    callback_data: PlaceChoice,
    state: FSMContext,
    session: AsyncSession,
    clock: Clock,
    user: User,
) -> None:
    place = None
    if callback_data.place_id != place_views.NOT_SURE:
        try:
            place = await places.choose_place(session, user, callback_data.place_id, clock=clock)
        except PlaceNotFound:
            await callback.answer(stale_button_text())
            return
    await callback.answer()
    await retire_buttons(callback, place_views.chosen_label(place, volunteer=False))
    await ask_where(callback.message, state, user, session)  # type: ignore[arg-type]


async def chose_where(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext, user: User
) -> None:
    await callback.answer()
    message = callback.message
    assert isinstance(message, Message)
    if callback_data.value == "saved" and user.address:
        await retire_buttons(callback, "🏠 " + user.address[:60])
        await state.update_data(address=None)
        await ask_notes(message, state)
        return
    await retire_buttons(callback, _("📍 Another address"))
    await state.set_state(AskHelp.address)
    await message.answer(_("Please type the address: building, unit and flat number."))


async def got_address(
    message: Message, state: FSMContext, session: AsyncSession, clock: Clock, user: User
) -> None:
    try:
        address = requests.clean_address(message.text or "")
    except InvalidInput as error:
        await message.answer(invalid_text(error))
        return
    if not user.address:
        # Asked once: the first address given is the person's, for visits and alerts too.
        await users.save_address(session, user, address, clock=clock)
        await state.update_data(address=None)
        await message.answer(_("🏠 Thank you. I will remember this address."))
        await ask_notes(message, state)
        return
    await state.update_data(address=address)
    await state.set_state(AskHelp.save_address)
    await message.answer(
        _("Shall I remember this address for next time?"), reply_markup=save_address_keyboard()
    )


async def address_not_usable(message: Message) -> None:
    await message.answer(_("Please type the address in words ✍️"))


async def chose_save(
    callback: CallbackQuery, callback_data: NewRequestStep, state: FSMContext
) -> None:
    await callback.answer()
    save = callback_data.value == "yes"
    await retire_buttons(callback, _("💾 Yes, remember it") if save else _("Only this time"))
    await state.update_data(save=save)
    await ask_notes(callback.message, state)  # type: ignore[arg-type]


async def ask_notes(message: Message, state: FSMContext) -> None:
    await state.set_state(AskHelp.notes)
    await message.answer(
        _(
            "Anything the volunteer should know to get in? For example a door code, the floor, "
            "or a dog. Type it, or tap “⏭ Skip”."
        ),
        reply_markup=notes_keyboard(),
    )


async def got_notes(message: Message, state: FSMContext, user: User) -> None:
    try:
        notes = requests.clean_long_text(message.text or "", requests.NOTES_MAX)
    except InvalidInput as error:
        await message.answer(invalid_text(error))
        return
    await state.update_data(notes=notes or None)
    await show_summary(message, state, user)


async def skipped_notes(callback: CallbackQuery, state: FSMContext, user: User) -> None:
    await callback.answer()
    await retire_buttons(callback, _("⏭ Skip"))
    await state.update_data(notes=None)
    await show_summary(callback.message, state, user)  # type: ignore[arg-type]


async def notes_not_usable(message: Message) -> None:
    await message.answer(
        _("Please type it in words, or tap “⏭ Skip”."), reply_markup=notes_keyboard()
    )


async def show_summary(message: Message, state: FSMContext, user: User) -> None:
    await state.set_state(AskHelp.confirm)
    await message.answer(
        summary_text(await state.get_data(), user), reply_markup=confirm_keyboard()
    )


async def confirmed(
    callback: CallbackQuery,
    callback_data: NewRequestStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    await callback.answer()
    message = callback.message
    assert isinstance(message, Message)
    if callback_data.value == "cancel":
        await retire_buttons(callback, _("✖️ Cancel"))
        await state.clear()
        await send_main_menu(bot, message.chat.id, user, _("OK, nothing was sent."))
        return
    if callback_data.value == "restart":
        await retire_buttons(callback, _("✏️ Start again"))
        await state.clear()
        await state.set_state(AskHelp.category)
        await message.answer(
            _("🙋 What do you need help with? Tap one.\nIn an emergency tap “🚨 It's urgent”."),
            reply_markup=category_keyboard(),
        )
        return
    try:
        request = await requests.submit_request(
            session, user, draft_of(await state.get_data()), clock=clock
        )
    except DayOutOfRange:
        await state.set_state(AskHelp.when)
        await message.answer(
            _("Sorry, that day has passed. When do you need help?"), reply_markup=when_keyboard()
        )
        return
    except InvalidInput as error:
        await message.answer(invalid_text(error))
        return
    await retire_buttons(callback, _("✅ Send"))
    await state.clear()
    notifier = Notifier(session, settings, clock, i18n)
    await announce_request(notifier, request, user, emergency=False)
    await send_main_menu(
        bot,
        message.chat.id,
        user,
        _(
            "✅ Thank you. Your request is <b>Request no. {ref}</b>.\n\n"
            "A coordinator will check it soon, then we look for a volunteer. "
            "I will write to you here when someone is coming. "
            "You can see it under “📋 My requests”."
        ).format(ref=requests.reference(request)),
    )


async def expected_a_button(message: Message) -> None:
    await message.answer(_("Please tap one of the buttons above 👆, or send /cancel to stop."))


# emergencies


async def urgent_pressed(
    callback: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    await callback.answer()
    await retire_buttons(callback, _("🚨 It's urgent"))
    await answer_emergency(
        callback.from_user.id, "", state, session, user, settings, clock, i18n, bot
    )


async def answer_emergency(
    chat_id: int,
    text: str,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    """The one emergency answer: numbers first (they matter most), then record it, alert the
    coordinators and commit, then say so. A request being written becomes the emergency (what
    was said so far goes with it, and that conversation is over); any other conversation stays
    where it was, so nothing entered before is lost and the person can carry on."""
    await bot.send_message(chat_id, emergency_text(settings))
    current = await state.get_state()
    drafting = current in {s.state for s in AskHelp.__all_states__}
    data = await state.get_data() if drafting else {}
    description = "\n".join(part for part in (data.get("description"), text) if part)
    request = await requests.submit_emergency(
        session,
        user,
        category=RequestCategory(data.get("category", RequestCategory.OTHER.value)),
        description=description,
        voice_file_id=data.get("voice"),
        photo_file_id=data.get("photo"),
        clock=clock,
    )
    if drafting:
        await state.clear()
    await announce_request(Notifier(session, settings, clock, i18n), request, user, emergency=True)
    await session.commit()  # the alert is recorded before we talk to Telegram again
    closing = _(
        "I have alerted the coordinators (<b>Request no. {ref}</b>). "
        "They will contact you as soon as they can."
    ).format(ref=requests.reference(request))
    if current is not None and not drafting:
        closing += "\n\n" + _("When you are ready, you can carry on where you left off.")
    if user.is_onboarded:
        await send_main_menu(bot, chat_id, user, closing)
    else:  # registering: no menu yet, and the keyboard of their step stays
        await bot.send_message(chat_id, closing)


# my requests, cancelling


async def show_my_requests(
    message: Message, state: FSMContext, session: AsyncSession, user: User
) -> None:
    if await _refuse_if_not_resident(message, user):
        return
    await state.clear()
    mine = await requests.requests_of(session, user)
    if not mine:
        await message.answer(_("You have no requests yet. Tap “🙋 I need help” to ask for help."))
        return
    await message.answer(_("<b>Your requests</b>"))
    for request in mine[:10]:
        await message.answer(resident_card(request), reply_markup=cancel_keyboard(request))


async def _not_found(callback: CallbackQuery) -> None:
    await callback.answer(
        _("Sorry, I could not find that request. Please look in “📋 My requests”."),
        show_alert=True,
    )


async def _finished(callback: CallbackQuery, request: HelpRequest) -> None:
    await callback.answer(_("This request is already finished."), show_alert=True)
    if isinstance(callback.message, Message):
        await _edit(callback.message, resident_card(request), None)


async def _edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit in place; an identical edit (a double tap) is not an error."""
    with suppress(TelegramBadRequest):
        await message.edit_text(text, reply_markup=markup)


async def ask_cancel(
    callback: CallbackQuery, callback_data: RequestAction, session: AsyncSession, user: User
) -> None:
    try:
        request = await requests.own_request(session, user, callback_data.request_id)
    except RequestNotFound:
        await _not_found(callback)
        return
    if request.status in FINISHED:
        await _finished(callback, request)
        return
    await callback.answer()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            _action("cancel_yes", request.id, _("✖️ Yes, cancel it")),
            _action("keep", request.id, _("↩️ No, keep it")),
        ]
    )
    text = resident_card(request) + "\n\n" + _("Cancel this request?")
    await _edit(callback.message, text, markup)  # type: ignore[arg-type]


async def keep_request(
    callback: CallbackQuery, callback_data: RequestAction, session: AsyncSession, user: User
) -> None:
    try:
        request = await requests.own_request(session, user, callback_data.request_id)
    except RequestNotFound:
        await _not_found(callback)
        return
    await callback.answer()
    await _edit(callback.message, resident_card(request), cancel_keyboard(request))  # type: ignore[arg-type]


async def confirm_cancel(
    callback: CallbackQuery,
    callback_data: RequestAction,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    try:
        request, volunteer_id = await requests.cancel_request(
            session, user, callback_data.request_id, clock=clock
        )
    except RequestNotFound:
        await _not_found(callback)
        return
    except RequestChanged:
        request = await requests.own_request(session, user, callback_data.request_id)
        await _finished(callback, request)
        return
    await callback.answer(_("Cancelled."))
    await _edit(callback.message, resident_card(request), None)  # type: ignore[arg-type]
    notifier = Notifier(session, settings, clock, i18n)
    ref = requests.reference(request)
    volunteer = await requests.person(session, volunteer_id)
    await notifier.tell_user(
        volunteer,
        lambda: (
            _(
                "✖️ Request no. {ref} was cancelled by the resident. "
                "You do not need to go. Thank you!"
            ).format(ref=ref),
            None,
        ),
        kind="request.cancelled",
        priority=Priority.ALERT,
    )
    await notifier.tell_coordinators(
        lambda: (_("✖️ Request no. {ref} was cancelled by the resident.").format(ref=ref), None),
        kind="request.cancelled",
        priority=Priority.NOTICE,
    )


# rating and comments


async def rated(
    callback: CallbackQuery,
    callback_data: RequestAction,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    try:
        before = await requests.own_request(session, user, callback_data.request_id)
        previous = before.rating
        request = await requests.rate_request(
            session, user, callback_data.request_id, callback_data.value, clock=clock
        )
    except RequestNotFound:
        await _not_found(callback)
        return
    except RatingInvalid:
        await callback.answer(_("This button is no longer active. Please use the latest message."))
        return
    except RequestChanged:
        await callback.answer(_("This request cannot be rated yet."), show_alert=True)
        return
    await callback.answer()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            _action("comment", request.id, _("💬 Add a comment")),
            _action("nocomment", request.id, _("No, thanks")),
        ]
    )
    await _edit(
        callback.message,  # type: ignore[arg-type]
        _(
            "Thank you! You gave request no. {ref} {stars}.\nWould you like to add a comment?"
        ).format(
            ref=requests.reference(request),
            stars="⭐" * request.rating,  # type: ignore[operator]
        ),
        markup,
    )
    if previous != request.rating and requests.needs_coordinator_attention(request):
        await _tell_coordinators_feedback(Notifier(session, settings, clock, i18n), request)


async def _tell_coordinators_feedback(notifier: Notifier, request: HelpRequest) -> None:
    ref = requests.reference(request)
    rating = request.rating
    comment = request.rating_comment

    def render() -> tuple[str, None]:
        text = _("⭐ Feedback on request no. {ref}: rated {rating}/5.").format(
            ref=ref, rating=rating or "—"
        )
        if comment:
            text += "\n" + _("💬 Comment: {comment}").format(comment=html.quote(comment))
        return text, None

    await notifier.tell_coordinators(render, kind="request.feedback", priority=Priority.NOTICE)


async def wants_to_comment(
    callback: CallbackQuery,
    callback_data: RequestAction,
    state: FSMContext,
    session: AsyncSession,
    user: User,
) -> None:
    try:
        request = await requests.own_request(session, user, callback_data.request_id)
    except RequestNotFound:
        await _not_found(callback)
        return
    await callback.answer()
    await retire_buttons(callback, _("💬 Add a comment"))
    await state.set_state(AfterRequest.comment)
    await state.update_data(request_id=request.id)
    await callback.message.answer(  # type: ignore[union-attr]
        _("Please write your comment. Send /cancel if you changed your mind.")
    )


async def no_comment(callback: CallbackQuery, callback_data: RequestAction) -> None:
    await callback.answer()
    await retire_buttons(callback, _("No, thanks"))


async def got_comment(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    request_id = int((await state.get_data()).get("request_id", 0))
    try:
        request = await requests.comment_on_request(
            session, user, request_id, message.text or "", clock=clock
        )
    except InvalidInput as error:
        await message.answer(invalid_text(error))
        return
    except (RequestNotFound, RequestChanged):
        await state.clear()
        await message.answer(
            _("Sorry, I could not find that request. Please look in “📋 My requests”.")
        )
        return
    await state.clear()
    await _tell_coordinators_feedback(Notifier(session, settings, clock, i18n), request)
    await send_main_menu(
        bot, message.chat.id, user, _("Thank you! Your comment was passed to the coordinators.")
    )


async def text_please(message: Message) -> None:
    await message.answer(_("Please type it in words ✍️, or send /cancel to stop."))


# answering a coordinator's question


async def wants_to_answer(
    callback: CallbackQuery,
    callback_data: RequestAction,
    state: FSMContext,
    session: AsyncSession,
    user: User,
) -> None:
    try:
        request = await requests.own_request(session, user, callback_data.request_id)
    except RequestNotFound:
        await _not_found(callback)
        return
    if request.status in FINISHED:
        await callback.answer(_("This request is already finished."), show_alert=True)
        return
    await callback.answer()
    await state.set_state(AfterRequest.answer)
    await state.update_data(request_id=request.id)
    await callback.message.answer(  # type: ignore[union-attr]
        _("Please type your answer.")
    )


async def got_answer(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    request_id = int((await state.get_data()).get("request_id", 0))
    try:
        request, answer = await requests.record_answer(
            session, user, request_id, message.text or "", clock=clock
        )
    except InvalidInput as error:
        await message.answer(invalid_text(error))
        return
    except (RequestNotFound, RequestChanged):
        await state.clear()
        await message.answer(_("This request is already finished."))
        return
    await state.clear()
    ref = requests.reference(request)
    await Notifier(session, settings, clock, i18n).tell_coordinators(
        lambda: (
            _("💬 The resident answers about request no. {ref}:\n{answer}").format(
                ref=ref, answer=html.quote(answer)
            ),
            None,
        ),
        kind="request.answer",
        priority=Priority.ALERT,
    )
    await send_main_menu(bot, message.chat.id, user, _("Thank you! I passed your answer on."))


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="resident_requests")
    # words that sound like an emergency are heard before any router (handlers.emergency)
    router.message.register(start_asking, Command("request"))
    router.message.register(
        start_asking,
        StateFilter(None, *AskHelp.__all_states__, *AfterRequest.__all_states__),
        button_text("🙋 I need help"),
    )
    router.message.register(show_my_requests, Command("myrequests"))
    router.message.register(
        show_my_requests,
        StateFilter(None, *AskHelp.__all_states__, *AfterRequest.__all_states__),
        button_text("📋 My requests"),
    )
    router.callback_query.register(
        urgent_pressed, AskHelp.category, NewRequestStep.filter(F.field == "urgent")
    )
    router.callback_query.register(
        chose_category, AskHelp.category, NewRequestStep.filter(F.field == "cat")
    )
    router.message.register(got_description, AskHelp.description, F.text | F.voice | F.photo)
    router.message.register(description_not_usable, AskHelp.description)
    router.callback_query.register(
        chose_when, AskHelp.when, NewRequestStep.filter(F.field == "when")
    )
    router.callback_query.register(chose_day, AskHelp.day, NewRequestStep.filter(F.field == "day"))
    router.callback_query.register(
        chose_day_part, AskHelp.day_part, NewRequestStep.filter(F.field == "part")
    )
    router.callback_query.register(chose_place, AskHelp.place, PlaceChoice.filter())
    router.callback_query.register(
        chose_where, AskHelp.where, NewRequestStep.filter(F.field == "where")
    )
    router.message.register(got_address, AskHelp.address, F.text)
    router.message.register(address_not_usable, AskHelp.address)
    router.callback_query.register(
        chose_save, AskHelp.save_address, NewRequestStep.filter(F.field == "save")
    )
    router.message.register(got_notes, AskHelp.notes, F.text)
    router.message.register(notes_not_usable, AskHelp.notes)
    router.callback_query.register(
        skipped_notes, AskHelp.notes, NewRequestStep.filter(F.field == "notes")
    )
    router.callback_query.register(
        confirmed, AskHelp.confirm, NewRequestStep.filter(F.field == "confirm")
    )
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
    router.callback_query.register(ask_cancel, RequestAction.filter(F.action == "cancel"))
    router.callback_query.register(confirm_cancel, RequestAction.filter(F.action == "cancel_yes"))
    router.callback_query.register(keep_request, RequestAction.filter(F.action == "keep"))
    router.callback_query.register(rated, RequestAction.filter(F.action == "rate"))
    router.callback_query.register(wants_to_comment, RequestAction.filter(F.action == "comment"))
    router.callback_query.register(no_comment, RequestAction.filter(F.action == "nocomment"))
    router.message.register(got_comment, AfterRequest.comment, F.text)
    router.callback_query.register(wants_to_answer, RequestAction.filter(F.action == "answer"))
    router.message.register(got_answer, AfterRequest.answer, F.text)
    router.message.register(text_please, StateFilter(*AfterRequest.__all_states__))
    return router
