"""Words and keyboards of asking for help: the questions of each step (category → what → when
→ where → access notes → summary), their buttons, and the summary of what was said."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import NewRequestStep
from bot.services.errors import InvalidInput, TextTooLong
from bot.views.keyboards import one_per_row
from bot.views.texts import category_label, day_part_label, day_with_weekday
from storage.models import DayPart, RequestCategory, RequestTiming, User


def _step(field: str, value: str, text: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=NewRequestStep(field=field, value=value).pack()
    )


# questions


def category_question() -> str:
    return _("🙋 What do you need help with? Tap one.\nIn an emergency tap “🚨 It's urgent”.")


def description_question() -> str:
    return _(
        "What do you need? Write a few words, send a voice message 🎤, or a photo "
        "(with a caption if you like)."
    )


def when_question() -> str:
    return _("When do you need help?")


def day_question() -> str:
    return _("Which day?")


def day_part_question() -> str:
    return _("What time of day suits you?")


def where_question() -> str:
    return _("Where should the volunteer come?")


def first_address_question() -> str:
    return _(
        "Where should the volunteer come? Please type the address: building, unit and flat number."
    )


def other_address_question() -> str:
    return _("Please type the address: building, unit and flat number.")


def save_address_question() -> str:
    return _("Shall I remember this address for next time?")


def notes_question() -> str:
    return _(
        "Anything the volunteer should know to get in? For example a door code, the floor, "
        "or a dog. Type it, or tap “⏭ Skip”."
    )


# keyboards and what each button said


def urgent_label() -> str:
    return _("🚨 It's urgent")


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


def day_part_keyboard() -> InlineKeyboardMarkup:
    emoji = {
        DayPart.ANY: "🕘",
        DayPart.MORNING: "🌅",
        DayPart.AFTERNOON: "☀️",
        DayPart.EVENING: "🌆",
    }
    return one_per_row(
        _step("part", part.value, f"{emoji[part]} {day_part_label(part)}") for part in DayPart
    )


def saved_address_label(saved_address: str) -> str:
    return "🏠 " + saved_address[:60]


def other_address_label() -> str:
    return _("📍 Another address")


def where_keyboard(saved_address: str) -> InlineKeyboardMarkup:
    return one_per_row(
        [
            _step("where", "saved", saved_address_label(saved_address)),
            _step("where", "other", other_address_label()),
        ]
    )


def save_label(save: bool) -> str:
    return _("💾 Yes, remember it") if save else _("Only this time")


def save_address_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        [_step("save", "yes", save_label(True)), _step("save", "no", save_label(False))]
    )


def skip_label() -> str:
    return _("⏭ Skip")


def notes_keyboard() -> InlineKeyboardMarkup:
    return one_per_row([_step("notes", "skip", skip_label())])


CONFIRM_CHOICES = ("send", "restart", "cancel")


def confirm_label(choice: str) -> str:
    labels = {"send": _("✅ Send"), "restart": _("✏️ Start again"), "cancel": _("✖️ Cancel")}
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


def submitted_text(ref: str) -> str:
    return _(
        "✅ Thank you. Your request is <b>Request no. {ref}</b>.\n\n"
        "A coordinator will check it soon, then we look for a volunteer. "
        "I will write to you here when someone is coming. "
        "You can see it under “📋 My requests”."
    ).format(ref=ref)
