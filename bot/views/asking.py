"""Words and keyboards of asking for help: the questions of each step (kind → what → when →
summary, with the place or address only when none is known), their buttons, the kind guessed
from a sentence, and the summary of what was said."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import NewRequestStep
from bot.services.errors import InvalidInput, TextTooLong
from bot.views.keyboards import one_per_row
from bot.views.texts import category_label, day_part_label, day_with_weekday, preview
from storage.models import DayPart, RequestCategory, RequestTiming, User


def _step(field: str, value: str, text: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=NewRequestStep(field=field, value=value).pack()
    )


# questions


def category_question() -> str:
    return _(
        "🙋 What do you need help with? Tap one, or tell me in a few words.\n"
        "In an emergency tap “🚨 It's urgent”."
    )


def description_question(category: RequestCategory | None = None) -> str:
    question = _(
        "What do you need? Write a few words, send a voice message 🎤, or a photo "
        "(with a caption if you like)."
    )
    return f"<b>{category_label(category)}</b>\n{question}" if category else question


def guess_question(guessed: RequestCategory) -> str:
    return _(
        "I think this is: <b>{kind}</b>. Is that right? Tap it, or tap the right kind below."
    ).format(kind=category_label(guessed))


def noted_as_other_text(other_label: str) -> str:
    return _("I have written it down, as “{kind}”.").format(kind=other_label)


def when_not_understood_text() -> str:
    return _(
        "Sorry, I did not understand the time. Please tap one below, or write for example "
        "“tomorrow morning”."
    )


def added_text() -> str:
    return _("✍️ I have added that to your request.")


def understood_when_text(data: dict[str, Any]) -> str:
    return "🕒 " + draft_when_label(data)


def when_question() -> str:
    return _("When do you need help?")


def day_question() -> str:
    return _("Which day?")


def first_address_question() -> str:
    return _(
        "Where should the volunteer come? Please type the address: building, unit and flat number."
    )


def other_address_question() -> str:
    return _("Please type the address: building, unit and flat number.")


def save_address_question() -> str:
    return _("Shall I remember this address for next time?")


# keyboards and what each button said


def urgent_label() -> str:
    return _("🚨 It's urgent")


def kind_of_it_question() -> str:
    return _("✅ I have kept it. What kind of help is it? Tap one.")


def guess_keyboard(guessed: RequestCategory | None) -> InlineKeyboardMarkup:
    """The guessed kind first, marked; then every other kind, "something else" last."""
    first = [_step("gcat", guessed.value, "✅ " + category_label(guessed))] if guessed else []
    others = [
        _step("gcat", category.value, category_label(category))
        for category in RequestCategory
        if category is not guessed
    ]
    return one_per_row([*first, *others])


def category_keyboard() -> InlineKeyboardMarkup:
    buttons = [_step("urgent", "yes", urgent_label())]
    buttons += [
        _step("cat", category.value, category_label(category)) for category in RequestCategory
    ]
    return one_per_row(buttons)


def timing_label(timing: RequestTiming) -> str:
    labels = {
        RequestTiming.ASAP: _("⚡ As soon as possible"),
        RequestTiming.TODAY: _("📅 Today"),
        RequestTiming.TOMORROW: _("📅 Tomorrow"),
        RequestTiming.DAY: _("🗓 Pick a day"),
    }
    return labels[timing]


def when_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        _step("when", timing.value, timing_label(timing)) for timing in RequestTiming
    )


def day_keyboard(days: list[date]) -> InlineKeyboardMarkup:
    return one_per_row(_step("day", day.isoformat(), day_with_weekday(day)) for day in days)


def save_label(save: bool) -> str:
    return _("💾 Yes, remember it") if save else _("Only this time")


def save_address_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        [_step("save", "yes", save_label(True)), _step("save", "no", save_label(False))]
    )


CONFIRM_CHOICES = ("send", "address", "restart", "cancel")


def confirm_label(choice: str) -> str:
    labels = {
        "send": _("✅ Send"),
        "address": _("🏠 Change the address"),
        "restart": _("✏️ Start again"),
        "cancel": _("✖️ Cancel"),
    }
    return labels[choice]


def confirm_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        _step("confirm", choice, confirm_label(choice)) for choice in CONFIRM_CHOICES
    )


# answers


def invalid_text(error: InvalidInput) -> str:
    if isinstance(error, TextTooLong):
        return _("That is a bit long. Please keep it under {limit} characters.").format(
            limit=error.limit
        )
    return _("Please say it in words, or send a voice message 🎤")


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
        date=day_with_weekday(date.fromisoformat(data["day"])), part=part
    )


def summary_text(data: dict[str, Any], user: User, place: str | None = None) -> str:
    """What she said, to check; the address is hers, else the place she tapped."""
    parts = [_("<b>Please check your request:</b>")]
    parts.append(category_label(RequestCategory(data["category"])))
    if data.get("description"):
        parts.append("💬 " + html.quote(preview(data["description"])))
    if data.get("voice"):
        parts.append(_("🎤 (voice message)"))
    if data.get("photo"):
        parts.append(_("🖼 (photo)"))
    parts.append("🕒 " + draft_when_label(data))
    address = data.get("address") or user.address or place
    parts.append("🏠 " + html.quote(address or "—"))
    return "\n".join(parts)


def submitted_text(ref: str) -> str:
    return _(
        "✅ Thank you. Your request is <b>Request no. {ref}</b>.\n\n"
        "A coordinator will check it soon, then we look for a volunteer. "
        "I will write to you here when someone is coming. "
        "You can see it under “📋 My requests”."
    ).format(ref=ref)


def description_placeholder() -> str:
    """In the input field while she says what she needs (Telegram shows up to 64 characters)."""
    return _("What you need, in a few words")


def address_placeholder() -> str:
    return _("Your address: building, door")
