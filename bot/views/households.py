"""How a household is named to its coordinators, and the one picker of households: a page of
buttons with "more" and "back", so a community of 300 homes can reach every one of them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.views.keyboards import one_per_row
from storage.models import Household

PICKER_PAGE = 8
LABEL_SHOWN = 60  # characters of a button's label


def household_label(household: Household) -> str:
    """ "A17 · 周伯伯家": for the household's coordinators only (the label is theirs)."""
    return f"{household.code} · {household.label}"


def household_picker(
    homes: Sequence[Household],
    page: int,
    pick: Callable[[Household], str],
    turn: Callable[[int], str],
) -> InlineKeyboardMarkup:
    """One page of homes (`pick`: a home's button data), then "⬅️ Back" and "➡️ More
    households" (`turn`: a page's button data) where there is a page before or after."""
    last = max(0, (len(homes) - 1) // PICKER_PAGE)
    page = min(max(page, 0), last)
    shown = homes[page * PICKER_PAGE : (page + 1) * PICKER_PAGE]
    buttons = [
        InlineKeyboardButton(
            text=f"🏠 {household_label(home)}"[:LABEL_SHOWN], callback_data=pick(home)
        )
        for home in shown
    ]
    if page > 0:
        buttons.append(InlineKeyboardButton(text=_("⬅️ Back"), callback_data=turn(page - 1)))
    if page < last:
        buttons.append(
            InlineKeyboardButton(text=_("➡️ More households"), callback_data=turn(page + 1))
        )
    return one_per_row(buttons)


def household_question(
    homes: Sequence[Household],
    page: int,
    pick: Callable[[Household], str],
    turn: Callable[[int], str],
    question: str | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Which household (for its coordinators): the picker, or why there is none to pick."""
    if not homes:
        return _("No household is recorded yet: open one first."), None
    text = question or _("Which household? (Only coordinators see these names.)")
    return text, household_picker(homes, page, pick, turn)
