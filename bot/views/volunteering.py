"""Words and keyboards of the volunteer side: what a volunteer offers (skills, spoken languages),
their registration card for the coordinators, the task list, and the "how long did it take?"
question. Like bot/views/texts.py, nothing here shows a resident's address or phone."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.callbacks import TaskAction, VolunteerOffer
from bot.services.volunteers import VOLUNTEER_LANGUAGES
from bot.views.texts import category_label, duration_label
from storage.models import RequestCategory, User

SPOKEN_LANGUAGES = {
    "mandarin": __("Mandarin"),
    "cantonese": __("Cantonese"),
    "english": __("English"),
    "dialect": __("Local dialect"),
}
"""Labels of VOLUNTEER_LANGUAGES (languages a volunteer speaks, not the bot's language)."""

MINUTE_CHOICES = (30, 60, 90, 120, 180)
TASKS_PER_PAGE = 5


def _rows(buttons: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[button] for button in buttons])


def spoken_language_label(code: str) -> str:
    label = SPOKEN_LANGUAGES.get(code)
    return str(label) if label is not None else code


def skill_label(value: str) -> str:
    try:
        return category_label(RequestCategory(value))
    except ValueError:
        return value


def offer_values(kind: str) -> set[str]:
    """What a skill ("skill") or spoken-language ("lang") button may carry."""
    if kind == "skill":
        return {category.value for category in RequestCategory}
    return set(VOLUNTEER_LANGUAGES)


def offer_keyboard(kind: str, chosen: list[str]) -> InlineKeyboardMarkup:
    """Toggle buttons (✅ on the chosen ones) and a "Done" button at the bottom."""
    if kind == "skill":
        options = [(category.value, category_label(category)) for category in RequestCategory]
    else:
        options = [(code, spoken_language_label(code)) for code in VOLUNTEER_LANGUAGES]
    buttons = [
        InlineKeyboardButton(
            text=f"✅ {label}" if value in chosen else label,
            callback_data=VolunteerOffer(kind=kind, value=value).pack(),
        )
        for value, label in options
    ]
    buttons.append(
        InlineKeyboardButton(
            text=_("➡️ Done"), callback_data=VolunteerOffer(kind="done", value=kind).pack()
        )
    )
    return _rows(buttons)


def skills_question() -> str:
    return _(
        "What kinds of help can you offer? Tap every one that fits (tap again to undo), "
        "then tap “➡️ Done”."
    )


def languages_question() -> str:
    return _(
        "Which languages do you speak? Tap every one that fits (tap again to undo), "
        "then tap “➡️ Done”."
    )


def registration_card(volunteer: User, skills: list[str], languages: list[str]) -> str:
    """For the coordinators: a new volunteer to approve or decline."""
    return _(
        "<b>🤝 New volunteer to check</b>\n"
        "Name: {name}\nPhone: {phone}\nArea: {area}\nCan help with: {skills}\nSpeaks: {languages}"
    ).format(
        name=html.quote(volunteer.display_name or "—"),
        phone=html.quote(volunteer.phone) if volunteer.phone else _("not given"),
        area=html.quote(volunteer.area or "—"),
        skills=", ".join(skill_label(skill) for skill in skills) or "—",
        languages=", ".join(spoken_language_label(code) for code in languages) or "—",
    )


def decision_note(approved: bool, coordinator: User | None) -> str:
    name = (coordinator.display_name if coordinator else None) or _("a coordinator")
    if approved:
        return _("✅ Approved by {name}").format(name=name)
    return _("✖️ Declined by {name}").format(name=name)


def more_tasks_keyboard(offset: int) -> InlineKeyboardMarkup:
    return _rows(
        [
            InlineKeyboardButton(
                text=_("▶️ More tasks"),
                callback_data=TaskAction(action="page", request_id=0, value=offset).pack(),
            )
        ]
    )


def minutes_keyboard(request_id: int) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=duration_label(minutes),
            callback_data=TaskAction(action="minutes", request_id=request_id, value=minutes).pack(),
        )
        for minutes in MINUTE_CHOICES
    ]
    return _rows(buttons)


def release_confirm_keyboard(request_id: int) -> InlineKeyboardMarkup:
    return _rows(
        [
            InlineKeyboardButton(
                text=_("😔 Yes, give it back"),
                callback_data=TaskAction(action="release_yes", request_id=request_id).pack(),
            ),
            InlineKeyboardButton(
                text=_("↩️ No, I will go"),
                callback_data=TaskAction(action="keep", request_id=request_id).pack(),
            ),
        ]
    )
