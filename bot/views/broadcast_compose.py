"""Words and buttons of writing a notice (/broadcast): its text, versions in other languages,
an event's details, who gets it, and the choice to send it now or schedule it."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import BroadcastStep
from bot.i18n import LANGUAGE_NAMES
from bot.services.broadcasts import (
    CapacityInvalid,
    Destination,
    TextEmpty,
    TimeInPast,
    TimeInvalid,
)
from bot.services.errors import InvalidInput, TextTooLong
from bot.views.words import join_items
from storage.models import Audience, Place

TIME_EXAMPLE = "2026-05-01 14:30"
Question = tuple[str, InlineKeyboardMarkup | None]

AUDIENCE_ICONS = {
    Audience.EVERYONE: "👥",
    Audience.RESIDENTS: "🏠",
    Audience.VOLUNTEERS: "🤝",
    Audience.AREA: "🏢",
    Audience.LANGUAGE: "🌐",
    Audience.CHECKINS: "📞",
}


def button(text: str, action: str, value: str = "", broadcast_id: int = 0) -> InlineKeyboardButton:
    data = BroadcastStep(action=action, value=value, broadcast_id=broadcast_id).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def _rows(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[one] for one in buttons])


def invalid_text(error: InvalidInput) -> str:
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


def not_for_you_text() -> str:
    return _(
        "Sorry, only community coordinators can send notices to everyone. If something "
        "should be announced, please tell your coordinator."
    )


def coordinators_only_text() -> str:
    return _("Only coordinators can do this.")


def where_label(destination: Destination) -> str:
    if destination.everything:
        return _("🏘 All communities of {name} ({count})").format(
            name=destination.name, count=destination.communities
        )
    return "🏠 " + destination.name


def where_question(destinations: list[Destination]) -> Question:
    """For a coordinator of several communities: where the notice goes, one big button each."""
    return _(
        "📣 <b>New notice</b>\n\nYou look after several communities. Who is this notice for?"
    ), _rows(*[button(where_label(d), "where", str(d.community_id)) for d in destinations])


def text_placeholder() -> str:
    return _("The text of the notice")


def text_question() -> str:
    return _(
        "📣 <b>New notice</b>\n\nSend me the text of the notice. You can also send a photo "
        "or a document with the text as its caption. To stop, write “stop”."
    )


def no_content_text() -> str:
    return _("Please send the notice as a text message, or a photo or a document with a caption ✍️")


def write_it_text() -> str:
    return _("Please write it in a message ✍️")


def more_versions_question(written: Iterable[str]) -> Question:
    names = join_items(LANGUAGE_NAMES[locale] for locale in written)
    return _("Written in: {languages}. Add a version in another language?").format(
        languages=names
    ), _rows(
        button(_("🌐 Add a language"), "more", "yes"), button(_("➡️ No, continue"), "more", "no")
    )


def languages_question(locales: Iterable[str], action: str) -> Question:
    """Which language (of a new version: "locale"; of the audience: "audlang")."""
    return _("Which language?"), _rows(
        *[button(LANGUAGE_NAMES[locale], action, locale) for locale in locales]
    )


def version_question(locale: str) -> str:
    return _("Please send the text in {language}.").format(language=LANGUAGE_NAMES[locale])


def event_question() -> Question:
    return _("Is this an event people can sign up for (with a time, a place and places)?"), _rows(
        button(_("📅 Make it an event"), "event", "yes"),
        button(_("➡️ No, just a notice"), "event", "no"),
    )


def title_question() -> str:
    return _("What is the event called? For example “Health talk”.")


def place_question() -> str:
    return _("Where does it take place?")


def time_question() -> str:
    return _("When does it start? Write the date and time like this: {example}").format(
        example=TIME_EXAMPLE
    )


def no_limit_label() -> str:
    return _("♾ No limit")


def capacity_question() -> Question:
    return _("How many places are there? Send a number, or tap “No limit”."), _rows(
        button(no_limit_label(), "cap", "none")
    )


def audience_question(*, no_places: bool = False) -> Question:
    labels = {
        Audience.EVERYONE: _("Everyone"),
        Audience.RESIDENTS: _("Residents"),
        Audience.VOLUNTEERS: _("Volunteers"),
        Audience.AREA: _("A building or area"),
        Audience.LANGUAGE: _("People who read one language"),
        Audience.CHECKINS: _("People enrolled in check-ins"),
    }
    text = (
        _("No places are defined yet: add them with “🏘 Places”. Who should receive it?")
        if no_places
        else _("Who should receive it?")
    )
    return text, _rows(
        *[
            button(f"{icon} {labels[audience]}", "aud", audience.value)
            for audience, icon in AUDIENCE_ICONS.items()
        ]
    )


def place_label(place: Place) -> str:
    return "📍 " + place.name


def area_question(places: list[Place]) -> Question:
    return _("Which building or area?"), _rows(
        *[button(place_label(place), "audarea", str(place.id)) for place in places]
    )


def preview_heading(locale: str) -> str:
    return _("👀 Preview ({language}):").format(language=LANGUAGE_NAMES[locale])


def ready_question(
    count: int, audience_label: str, broadcast_id: int, *, checkins: bool
) -> Question:
    text = _("👥 {count} people will receive it ({audience}).").format(
        count=count, audience=audience_label
    )
    if checkins:
        text += "\n" + _("Nobody is enrolled in check-ins yet.")
    return text, _rows(
        button(_("📤 Send now"), "send", broadcast_id=broadcast_id),
        button(_("🕒 Schedule"), "schedule", broadcast_id=broadcast_id),
        button(_("✖️ Cancel"), "cancel", broadcast_id=broadcast_id),
    )


def send_now_question(count: int, broadcast_id: int) -> Question:
    return _("Send it now to {count} people?").format(count=count), _rows(
        button(_("✅ Yes, send it"), "go", broadcast_id=broadcast_id),
        button(_("✖️ Cancel"), "cancel", broadcast_id=broadcast_id),
    )


def schedule_question() -> str:
    return _("When should it be sent? Write the date and time like this: {example}").format(
        example=TIME_EXAMPLE
    )


def scheduled_text(time: str, count: int) -> str:
    return _(
        "🕒 Scheduled: it will be sent on {time} to the {count} people it then finds. "
        "I will show you the progress here."
    ).format(time=time, count=count)


def sending_note() -> str:
    return _("📤 Sending")


def already_done_text() -> str:
    return _("This notice was already sent or cancelled.")


def finished_text() -> str:
    return _("This notice has already finished.")


def not_sent_text() -> str:
    return _("OK, the notice was not sent.")


def stopped_answer(withdrawn: int) -> str:
    return _("⏹ Stopped: {count} messages will not be sent.").format(count=withdrawn)


def stopping_note() -> str:
    return _("⏹ Stopping…")
