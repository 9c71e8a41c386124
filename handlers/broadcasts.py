"""/broadcast: a coordinator writes a notice (text, maybe a photo or a document, maybe versions
in other languages, maybe an event), chooses who gets it, sees a preview exactly as recipients
will, and sends it now or schedules it; while it goes out a progress message can stop it.
Recipients answer events with buttons and can ask for a calendar file.

Every step is an FSM state kept in the database; every button is checked by the services
against the presser's role and the broadcast's current status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import Bot, F, Router, html
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import BroadcastStep, EventAnswer
from bot.clock import Clock
from bot.config import LOCALES, Settings
from bot.delivery.attempt import METHODS
from bot.i18n import LANGUAGE_NAMES
from bot.services import broadcasts, places
from bot.services.broadcasts import (
    BroadcastChanged,
    BroadcastNotFound,
    CapacityInvalid,
    EventDetails,
    EventFull,
    EventOver,
    NotARecipient,
    TextEmpty,
    TimeInPast,
    TimeInvalid,
)
from bot.services.errors import InvalidInput, NotAllowed, PlaceNotFound, TextTooLong
from bot.views import broadcasts as broadcast_views
from handlers.replies import retire_buttons, send_main_menu, stale_button_text
from storage.models import Audience, Broadcast, RsvpAnswer, User, UserRole

TIME_EXAMPLE = "2026-05-01 14:30"


class BroadcastFlow(StatesGroup):
    text = State()
    more_versions = State()
    version_locale = State()
    version_text = State()
    event = State()
    event_title = State()
    event_place = State()
    event_time = State()
    event_capacity = State()
    audience = State()
    audience_area = State()
    audience_language = State()
    confirm = State()
    schedule_time = State()


def _button(text: str, action: str, value: str = "", broadcast_id: int = 0) -> InlineKeyboardButton:
    data = BroadcastStep(action=action, value=value, broadcast_id=broadcast_id).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def _keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=list(rows))


def _invalid_text(error: InvalidInput) -> str:
    match error:
        case TextTooLong(limit=limit):
            return _("That is too long. Please keep it to {limit} characters.").format(limit=limit)
        case TimeInvalid():
            return _("Please write the date and time like this: {example}").format(
                example=TIME_EXAMPLE
            )
        case TimeInPast():
            return _("That time has already passed. Please choose a time in the future.")
        case CapacityInvalid():
            return _("Please send a number of places, for example 30, or tap “No limit”.")
        case TextEmpty():
            return _("Please write it in a message ✍️")
    return _("Sorry, I could not use that. Please try again.")


def _is_coordinator(user: User) -> bool:
    return user.is_onboarded and user.role == UserRole.COORDINATOR


# writing


async def start(message: Message, state: FSMContext, user: User) -> None:
    if not _is_coordinator(user):
        await message.answer(
            _(
                "Sorry, only community coordinators can send notices to everyone. If something "
                "should be announced, please tell your coordinator."
            )
        )
        return
    await state.clear()
    await state.set_state(BroadcastFlow.text)
    await message.answer(
        _(
            "📣 <b>New notice</b>\n\nSend me the text of the notice. You can also send a photo "
            "or a document with the text as its caption. /cancel stops."
        )
    )


def _content_of(message: Message) -> tuple[str | None, str | None, str | None]:
    """(HTML text, media kind, file id) of a message, or (None, None, None) if it has none."""
    if message.photo:
        return message.html_text if message.caption else "", "photo", message.photo[-1].file_id
    if message.document:
        return message.html_text if message.caption else "", "document", message.document.file_id
    if message.text and not message.text.startswith("/"):
        return message.html_text, None, None
    return None, None, None


async def got_text(message: Message, state: FSMContext, i18n: I18n) -> None:
    text, media_kind, file_id = _content_of(message)
    if text is None:
        await message.answer(
            _("Please send the notice as a text message, or a photo or a document with a caption ✍️")
        )
        return
    try:
        broadcasts.check_text(message.text or message.caption or "", with_media=bool(media_kind))
    except InvalidInput as error:
        await message.answer(_invalid_text(error))
        return
    await state.update_data(
        versions=[{"locale": i18n.current_locale, "text": text}],
        media_kind=media_kind,
        media_file_id=file_id,
    )
    await _ask_more_versions(message, state)


async def _ask_more_versions(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    written = [LANGUAGE_NAMES[version["locale"]] for version in data["versions"]]
    await state.set_state(BroadcastFlow.more_versions)
    if len(written) == len(LOCALES):
        await _ask_event(message, state)
        return
    await message.answer(
        _("Written in: {languages}. Add a version in another language?").format(
            languages=", ".join(written)
        ),
        reply_markup=_keyboard(
            [_button(_("🌐 Add a language"), "more", "yes")],
            [_button(_("➡️ No, continue"), "more", "no")],
        ),
    )


async def chose_more_versions(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext
) -> None:
    await callback.answer()
    await retire_buttons(callback)
    message = callback.message
    assert isinstance(message, Message)
    if callback_data.value != "yes":
        await _ask_event(message, state)
        return
    data = await state.get_data()
    written = {version["locale"] for version in data["versions"]}
    await state.set_state(BroadcastFlow.version_locale)
    await message.answer(
        _("Which language?"),
        reply_markup=_keyboard(
            *[
                [_button(LANGUAGE_NAMES[locale], "locale", locale)]
                for locale in LOCALES
                if locale not in written
            ]
        ),
    )


async def chose_version_locale(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext
) -> None:
    data = await state.get_data()
    written = {version["locale"] for version in data["versions"]}
    if callback_data.value not in LOCALES or callback_data.value in written:
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await retire_buttons(callback, LANGUAGE_NAMES[callback_data.value])
    await state.update_data(version_locale=callback_data.value)
    await state.set_state(BroadcastFlow.version_text)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Please send the text in {language}.").format(
            language=LANGUAGE_NAMES[callback_data.value]
        )
    )


async def got_version_text(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    if not message.text or message.text.startswith("/"):
        await message.answer(_("Please write it in a message ✍️"))
        return
    try:
        broadcasts.check_text(message.text, with_media=bool(data.get("media_kind")))
    except InvalidInput as error:
        await message.answer(_invalid_text(error))
        return
    versions = [*data["versions"], {"locale": data["version_locale"], "text": message.html_text}]
    await state.update_data(versions=versions)
    await _ask_more_versions(message, state)


async def _ask_event(message: Message, state: FSMContext) -> None:
    await state.set_state(BroadcastFlow.event)
    await message.answer(
        _("Is this an event people can sign up for (with a time, a place and places)?"),
        reply_markup=_keyboard(
            [_button(_("📅 Make it an event"), "event", "yes")],
            [_button(_("➡️ No, just a notice"), "event", "no")],
        ),
    )


async def chose_event(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext
) -> None:
    await callback.answer()
    await retire_buttons(callback)
    assert isinstance(callback.message, Message)
    if callback_data.value == "yes":
        await state.set_state(BroadcastFlow.event_title)
        await callback.message.answer(_("What is the event called? For example “Health talk”."))
    else:
        await state.update_data(event=None)
        await _ask_audience(callback.message, state)


async def got_event_title(message: Message, state: FSMContext) -> None:
    try:
        title = broadcasts.check_short(message.text, broadcasts.TITLE_LIMIT)
    except InvalidInput as error:
        await message.answer(_invalid_text(error))
        return
    await state.update_data(event_title=title)
    await state.set_state(BroadcastFlow.event_place)
    await message.answer(_("Where does it take place?"))


async def got_event_place(message: Message, state: FSMContext) -> None:
    try:
        place = broadcasts.check_short(message.text, broadcasts.PLACE_LIMIT)
    except InvalidInput as error:
        await message.answer(_invalid_text(error))
        return
    await state.update_data(event_place=place)
    await state.set_state(BroadcastFlow.event_time)
    await message.answer(
        _("When does it start? Write the date and time like this: {example}").format(
            example=TIME_EXAMPLE
        )
    )


async def got_event_time(message: Message, state: FSMContext, user: User, clock: Clock) -> None:
    try:
        starts_at = broadcasts.parse_local_time(message.text, user.timezone, now=clock.now())
    except InvalidInput as error:
        await message.answer(_invalid_text(error))
        return
    await state.update_data(event_starts_at=starts_at.isoformat())
    await state.set_state(BroadcastFlow.event_capacity)
    await message.answer(
        _("How many places are there? Send a number, or tap “No limit”."),
        reply_markup=_keyboard([_button(_("♾ No limit"), "cap", "none")]),
    )


async def got_capacity(message: Message, state: FSMContext) -> None:
    try:
        capacity = broadcasts.parse_capacity(message.text)
    except InvalidInput as error:
        await message.answer(_invalid_text(error))
        return
    await state.update_data(event_capacity=capacity, event=True)
    await _ask_audience(message, state)


async def chose_no_limit(callback: CallbackQuery, state: FSMContext) -> None:
    await callback.answer()
    await retire_buttons(callback, _("♾ No limit"))
    await state.update_data(event_capacity=None, event=True)
    assert isinstance(callback.message, Message)
    await _ask_audience(callback.message, state)


AUDIENCE_BUTTONS = (
    (Audience.EVERYONE, "👥"),
    (Audience.RESIDENTS, "🏠"),
    (Audience.VOLUNTEERS, "🤝"),
    (Audience.AREA, "🏢"),
    (Audience.LANGUAGE, "🌐"),
    (Audience.CHECKINS, "📞"),
)


async def _ask_audience(message: Message, state: FSMContext) -> None:
    await state.set_state(BroadcastFlow.audience)
    labels = {
        Audience.EVERYONE: _("Everyone"),
        Audience.RESIDENTS: _("Residents"),
        Audience.VOLUNTEERS: _("Volunteers"),
        Audience.AREA: _("A building or area"),
        Audience.LANGUAGE: _("People who read one language"),
        Audience.CHECKINS: _("People enrolled in check-ins"),
    }
    await message.answer(
        _("Who should receive it?"),
        reply_markup=_keyboard(
            *[
                [_button(f"{icon} {labels[audience]}", "aud", audience.value)]
                for audience, icon in AUDIENCE_BUTTONS
            ]
        ),
    )


async def chose_audience(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    try:
        audience = Audience(callback_data.value)
    except ValueError:
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await retire_buttons(callback)
    assert isinstance(callback.message, Message)
    if audience == Audience.AREA:
        offered = await places.offered(session)
        if not offered:
            await callback.message.answer(
                _("No places are defined yet: add them with /places. Who should receive it?")
            )
            await _ask_audience(callback.message, state)
            return
        await state.set_state(BroadcastFlow.audience_area)
        await callback.message.answer(
            _("Which building or area?"),
            reply_markup=_keyboard(
                *[[_button("📍 " + place.name, "audarea", str(place.id))] for place in offered]
            ),
        )
        return
    if audience == Audience.LANGUAGE:
        await state.set_state(BroadcastFlow.audience_language)
        await callback.message.answer(
            _("Which language?"),
            reply_markup=_keyboard(
                *[[_button(LANGUAGE_NAMES[locale], "audlang", locale)] for locale in LOCALES]
            ),
        )
        return
    await _preview(
        callback.message.chat.id, state, session, user, settings, clock, i18n, bot, audience, None
    )


async def chose_area(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    try:
        place = await places.offered_place(session, int(callback_data.value))
    except (ValueError, PlaceNotFound):
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await retire_buttons(callback, "📍 " + place.name)
    assert isinstance(callback.message, Message)
    await _preview(
        callback.message.chat.id,
        state,
        session,
        user,
        settings,
        clock,
        i18n,
        bot,
        Audience.AREA,
        str(place.id),
    )


async def chose_audience_language(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    if callback_data.value not in LOCALES:
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await retire_buttons(callback, LANGUAGE_NAMES[callback_data.value])
    assert isinstance(callback.message, Message)
    await _preview(
        callback.message.chat.id,
        state,
        session,
        user,
        settings,
        clock,
        i18n,
        bot,
        Audience.LANGUAGE,
        callback_data.value,
    )


def _event_from(data: dict[str, Any]) -> EventDetails | None:
    if not data.get("event"):
        return None
    return EventDetails(
        title=data["event_title"],
        place=data["event_place"],
        starts_at=datetime.fromisoformat(data["event_starts_at"]),
        capacity=data.get("event_capacity"),
    )


async def _send_as_recipients_see_it(
    bot: Bot, chat_id: int, broadcast: Broadcast, user: User, i18n: I18n
) -> None:
    """Each version, sent the way the outbox sender will send it."""
    for version in broadcast.versions:
        locale = version["locale"]
        with i18n.use_locale(locale):
            outgoing = broadcast_views.message_for(broadcast, version["text"], user.timezone)
        await bot.send_message(
            chat_id,
            _("👀 Preview ({language}):").format(language=LANGUAGE_NAMES[locale]),
        )
        await bot(METHODS[outgoing.method](chat_id=chat_id, **outgoing.payload))


async def _preview(
    chat_id: int,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
    audience: Audience,
    audience_value: str | None,
) -> None:
    data = await state.get_data()
    try:
        broadcast = await broadcasts.create_draft(
            session,
            user,
            versions=data["versions"],
            audience=audience,
            audience_value=audience_value,
            media_kind=data.get("media_kind"),
            media_file_id=data.get("media_file_id"),
            event=_event_from(data),
            clock=clock,
        )
    except NotAllowed:
        await state.clear()
        await bot.send_message(chat_id, _("Only coordinators can do this."))
        return
    count = await broadcasts.count_recipients(
        session, broadcast, default_locale=settings.default_locale
    )
    await _send_as_recipients_see_it(bot, chat_id, broadcast, user, i18n)
    await state.set_state(BroadcastFlow.confirm)
    await state.update_data(broadcast_id=broadcast.id, count=count)
    text = _("👥 {count} people will receive it ({audience}).").format(
        count=count,
        audience=broadcast_views.audience_label(
            audience,
            await places.name_of(session, int(audience_value))
            if audience == Audience.AREA and audience_value
            else audience_value,
        ),
    )
    if audience == Audience.CHECKINS:
        text += "\n" + _("Nobody is enrolled in check-ins yet.")
    await bot.send_message(
        chat_id,
        text,
        reply_markup=_keyboard(
            [_button(_("📤 Send now"), "send", broadcast_id=broadcast.id)],
            [_button(_("🕒 Schedule"), "schedule", broadcast_id=broadcast.id)],
            [_button(_("✖️ Cancel"), "cancel", broadcast_id=broadcast.id)],
        ),
    )


# sending


async def _draft_or_answer(
    callback: CallbackQuery, session: AsyncSession, user: User, broadcast_id: int
) -> Broadcast | None:
    try:
        return await broadcasts.broadcast_for(session, user, broadcast_id)
    except NotAllowed:
        await callback.answer(_("Only coordinators can do this."), show_alert=True)
    except BroadcastNotFound:
        await callback.answer(stale_button_text())
    return None


async def ask_send_now(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
) -> None:
    data = await state.get_data()
    if data.get("broadcast_id") != callback_data.broadcast_id:
        await callback.answer(stale_button_text())
        return
    if await _draft_or_answer(callback, session, user, callback_data.broadcast_id) is None:
        return
    await callback.answer()
    await retire_buttons(callback)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("Send it now to {count} people?").format(count=data.get("count", 0)),
        reply_markup=_keyboard(
            [_button(_("✅ Yes, send it"), "go", broadcast_id=callback_data.broadcast_id)],
            [_button(_("✖️ Cancel"), "cancel", broadcast_id=callback_data.broadcast_id)],
        ),
    )


async def send_now(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    try:
        await broadcasts.send_now(
            session,
            user,
            callback_data.broadcast_id,
            broadcast_views.renderer(i18n),
            clock=clock,
            default_locale=settings.default_locale,
        )
    except NotAllowed:
        await callback.answer(_("Only coordinators can do this."), show_alert=True)
        return
    except (BroadcastChanged, BroadcastNotFound):
        await callback.answer(_("This notice was already sent or cancelled."), show_alert=True)
        return
    await callback.answer()
    await retire_buttons(callback, _("📤 Sending"))
    await state.clear()
    broadcast = await broadcasts.broadcast_for(session, user, callback_data.broadcast_id)
    figures = await broadcasts.progress(session, broadcast.id)
    message = await bot.send_message(
        callback.from_user.id,
        broadcast_views.progress_text(broadcast, figures),
        reply_markup=broadcast_views.progress_keyboard(broadcast, sending=True),
    )
    await broadcasts.set_progress_message(
        session, broadcast.id, message.chat.id, message.message_id
    )


async def ask_schedule(
    callback: CallbackQuery, callback_data: BroadcastStep, state: FSMContext
) -> None:
    data = await state.get_data()
    if data.get("broadcast_id") != callback_data.broadcast_id:
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    await retire_buttons(callback)
    await state.set_state(BroadcastFlow.schedule_time)
    assert isinstance(callback.message, Message)
    await callback.message.answer(
        _("When should it be sent? Write the date and time like this: {example}").format(
            example=TIME_EXAMPLE
        )
    )


async def got_schedule_time(
    message: Message, state: FSMContext, session: AsyncSession, user: User, clock: Clock
) -> None:
    data = await state.get_data()
    try:
        send_at = broadcasts.parse_local_time(message.text, user.timezone, now=clock.now())
        await broadcasts.schedule(session, user, data["broadcast_id"], send_at, clock=clock)
    except InvalidInput as error:
        await message.answer(_invalid_text(error))
        return
    except (BroadcastChanged, BroadcastNotFound, NotAllowed):
        await state.clear()
        await message.answer(_("This notice was already sent or cancelled."))
        return
    await state.clear()
    await send_main_menu(
        message.bot,  # type: ignore[arg-type]
        message.chat.id,
        user,
        _(
            "🕒 Scheduled: it will be sent on {time} to the {count} people it then finds. "
            "I will show you the progress here."
        ).format(time=html.quote(message.text or ""), count=data.get("count", 0)),
    )


async def cancel_draft(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    clock: Clock,
    bot: Bot,
) -> None:
    try:
        await broadcasts.cancel(session, user, callback_data.broadcast_id, clock=clock)
    except NotAllowed:
        await callback.answer(_("Only coordinators can do this."), show_alert=True)
        return
    except (BroadcastChanged, BroadcastNotFound):
        await callback.answer(_("This notice was already sent or cancelled."), show_alert=True)
        return
    await callback.answer()
    await retire_buttons(callback)
    await state.clear()
    await send_main_menu(bot, callback.from_user.id, user, _("OK, the notice was not sent."))


async def stop_sending(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    session: AsyncSession,
    user: User,
    clock: Clock,
) -> None:
    try:
        withdrawn = await broadcasts.cancel(session, user, callback_data.broadcast_id, clock=clock)
    except NotAllowed:
        await callback.answer(_("Only coordinators can do this."), show_alert=True)
        return
    except (BroadcastChanged, BroadcastNotFound):
        await callback.answer(_("This notice has already finished."), show_alert=True)
        return
    await callback.answer(
        _("⏹ Stopped: {count} messages will not be sent.").format(count=withdrawn),
        show_alert=True,
    )
    await retire_buttons(callback, _("⏹ Stopping…"))


# events


async def on_event(
    callback: CallbackQuery,
    callback_data: EventAnswer,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
    bot: Bot,
) -> None:
    if callback_data.action == "ics":
        await _send_calendar(callback, callback_data, session, user, clock, bot)
    elif callback_data.action == "who":
        await _who_is_coming(callback, callback_data, session, user, bot)
    elif callback_data.action in ("yes", "no"):
        await _answer(callback, callback_data, session, user, settings, clock, i18n)
    else:
        await callback.answer(stale_button_text())


async def _answer(
    callback: CallbackQuery,
    callback_data: EventAnswer,
    session: AsyncSession,
    user: User,
    settings: Settings,
    clock: Clock,
    i18n: I18n,
) -> None:
    answer = RsvpAnswer(callback_data.action)
    try:
        result = await broadcasts.rsvp(
            session,
            user,
            callback_data.broadcast_id,
            answer,
            broadcast_views.reminder_renderer(i18n, settings.default_locale),
            clock=clock,
        )
    except EventFull:
        await callback.answer(
            _("😔 Sorry, this event is full. Thank you for your interest!"), show_alert=True
        )
        return
    except EventOver:
        await callback.answer(_("This event has already started."), show_alert=True)
        return
    except (BroadcastNotFound, NotARecipient):
        await callback.answer(stale_button_text())
        return
    if not result.changed:
        await callback.answer(_("You have already answered this. Thank you!"))
    elif answer == RsvpAnswer.YES:
        await callback.answer(
            _("✅ Thank you! We have saved your place. I will remind you before it starts."),
            show_alert=True,
        )
    else:
        await callback.answer(_("Thank you for letting us know."), show_alert=True)


async def _send_calendar(
    callback: CallbackQuery,
    callback_data: EventAnswer,
    session: AsyncSession,
    user: User,
    clock: Clock,
    bot: Bot,
) -> None:
    try:
        event = await broadcasts.event_for_calendar(session, user, callback_data.broadcast_id)
    except BroadcastNotFound:
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    reply_to = callback.message.message_id if isinstance(callback.message, Message) else None
    await bot.send_document(
        callback.from_user.id,
        BufferedInputFile(
            broadcasts.event_ics(event, now=clock.now()), filename=f"event-{event.id}.ics"
        ),
        caption=_("📅 Open this file to add “{title}” to your calendar.").format(
            title=html.quote(event.event_title or "")
        ),
        reply_parameters=ReplyParameters(message_id=reply_to) if reply_to else None,
    )


async def _who_is_coming(
    callback: CallbackQuery,
    callback_data: EventAnswer,
    session: AsyncSession,
    user: User,
    bot: Bot,
) -> None:
    try:
        event, coming, counts = await broadcasts.attendees(
            session, user, callback_data.broadcast_id
        )
    except NotAllowed:
        await callback.answer(_("Only coordinators can do this."), show_alert=True)
        return
    except BroadcastNotFound:
        await callback.answer(stale_button_text())
        return
    await callback.answer()
    head = _("👥 <b>{title}</b>: {yes} coming, {no} cannot come.").format(
        title=html.quote(event.event_title or ""),
        yes=counts.get(RsvpAnswer.YES, 0),
        no=counts.get(RsvpAnswer.NO, 0),
    )
    if event.event_capacity:
        head += "\n" + _("Places: {capacity}").format(capacity=event.event_capacity)
    names = "\n".join(
        f"{number}. {html.quote(person.display_name or '—')}"
        for number, person in enumerate(coming, start=1)
    )
    await bot.send_message(callback.from_user.id, head + ("\n\n" + names if names else ""))


# bad input while writing


async def expected_button(message: Message) -> None:
    await message.answer(_("Please tap one of the buttons above 👆"))


def build_router() -> Router:
    """A new router each time: a router belongs to one dispatcher (tests build several)."""
    router = Router(name="broadcasts")
    private = F.chat.type == "private"
    router.message.register(start, Command("broadcast"), private)
    router.message.register(got_text, BroadcastFlow.text)
    router.callback_query.register(
        chose_more_versions, BroadcastFlow.more_versions, BroadcastStep.filter(F.action == "more")
    )
    router.callback_query.register(
        chose_version_locale,
        BroadcastFlow.version_locale,
        BroadcastStep.filter(F.action == "locale"),
    )
    router.message.register(got_version_text, BroadcastFlow.version_text)
    router.callback_query.register(
        chose_event, BroadcastFlow.event, BroadcastStep.filter(F.action == "event")
    )
    router.message.register(got_event_title, BroadcastFlow.event_title)
    router.message.register(got_event_place, BroadcastFlow.event_place)
    router.message.register(got_event_time, BroadcastFlow.event_time)
    router.callback_query.register(
        chose_no_limit, BroadcastFlow.event_capacity, BroadcastStep.filter(F.action == "cap")
    )
    router.message.register(got_capacity, BroadcastFlow.event_capacity)
    router.callback_query.register(
        chose_audience, BroadcastFlow.audience, BroadcastStep.filter(F.action == "aud")
    )
    router.callback_query.register(
        chose_area, BroadcastFlow.audience_area, BroadcastStep.filter(F.action == "audarea")
    )
    router.message.register(expected_button, BroadcastFlow.audience_area)
    router.callback_query.register(
        chose_audience_language,
        BroadcastFlow.audience_language,
        BroadcastStep.filter(F.action == "audlang"),
    )
    router.callback_query.register(
        ask_send_now, BroadcastFlow.confirm, BroadcastStep.filter(F.action == "send")
    )
    router.callback_query.register(
        ask_schedule, BroadcastFlow.confirm, BroadcastStep.filter(F.action == "schedule")
    )
    router.callback_query.register(send_now, BroadcastStep.filter(F.action == "go"))
    router.callback_query.register(cancel_draft, BroadcastStep.filter(F.action == "cancel"))
    router.callback_query.register(stop_sending, BroadcastStep.filter(F.action == "stop"))
    router.message.register(got_schedule_time, BroadcastFlow.schedule_time)
    router.callback_query.register(on_event, EventAnswer.filter())
    for waiting_for_button in (
        BroadcastFlow.more_versions,
        BroadcastFlow.version_locale,
        BroadcastFlow.event,
        BroadcastFlow.audience,
        BroadcastFlow.audience_language,
        BroadcastFlow.confirm,
    ):
        router.message.register(expected_button, waiting_for_button)
    return router
