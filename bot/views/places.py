"""Words and buttons of places: choosing one (registration, a resident's details) and the
coordinators' /places list. Big buttons, one per row."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PlaceAction, PlaceChoice
from storage.models import Place

NOT_SURE = 0


def choice_keyboard(places: list[Place], *, volunteer: bool) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text="📍 " + place.name, callback_data=PlaceChoice(place_id=place.id).pack()
            )
        ]
        for place in places
    ]
    other = _("🌍 Anywhere nearby") if volunteer else _("🤷 I am not sure")
    rows.append(
        [InlineKeyboardButton(text=other, callback_data=PlaceChoice(place_id=NOT_SURE).pack())]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def choice_question(*, volunteer: bool) -> str:
    if volunteer:
        return _("Where can you help? Tap one.")
    return _("Which building or area do you live in? Tap one.")


def chosen_label(place: Place | None, *, volunteer: bool) -> str:
    if place is not None:
        return "📍 " + place.name
    return _("🌍 Anywhere nearby") if volunteer else _("🤷 I am not sure")


def address_question() -> str:
    return _(
        "What is your exact address: street, building and flat number?\n"
        "🔒 Only the volunteer who comes to you, and the coordinators, will see it."
    )


def list_text(places: list[Place]) -> str:
    if not places:
        return _(
            "<b>📍 Places</b>\nNo places yet. Add the buildings or areas of your community: "
            "residents tap one when they register, and volunteers see only that before they "
            "take on a task, never an address."
        )
    lines = [_("<b>📍 Places</b> (tap one to rename or hide it)")]
    for place in places:
        mark = "" if place.active else " " + _("(hidden)")
        lines.append(f"• {html.quote(place.name)}{mark}")
    return "\n".join(lines)


def list_keyboard(places: list[Place]) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=("📍 " if place.active else "🙈 ") + place.name,
                callback_data=PlaceAction(action="open", place_id=place.id).pack(),
            )
        ]
        for place in places
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text=_("➕ Add a place"), callback_data=PlaceAction(action="add").pack()
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def quoted(name: str) -> str:
    return html.quote(name)


def place_text(place: Place) -> str:
    state = _("shown to people") if place.active else _("hidden: no longer offered")
    return _("📍 <b>{name}</b>\n{state}").format(name=html.quote(place.name), state=state)


def place_keyboard(place: Place) -> InlineKeyboardMarkup:
    def button(text: str, action: str) -> list[InlineKeyboardButton]:
        return [
            InlineKeyboardButton(
                text=text, callback_data=PlaceAction(action=action, place_id=place.id).pack()
            )
        ]

    toggle = (
        button(_("🙈 Hide it"), "hide") if place.active else button(_("👁 Show it again"), "show")
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[button(_("✏️ Rename"), "rename"), toggle, button(_("⬅️ All places"), "back")]
    )


def name_prompt(place: Place | None) -> str:
    if place is None:
        return _("Please type the name of the place, for example “Building 3”.")
    return _("Please type the new name of “{name}”.").format(name=html.quote(place.name))


def several_communities_text() -> str:
    """To a street's or a district's coordinator: places are kept by each community."""
    return _(
        "📍 Places belong to one community, and you look after several. The coordinator of "
        "each community keeps its list of places. If a community has no coordinator yet, "
        "please ask for one to be added."
    )
