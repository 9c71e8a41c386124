"""Words and buttons of the coordinators' board of today (and a volunteer's view of the people
they look after): each group with its count and as many names as fit, and the "checked in for
them" buttons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CheckinProxy
from bot.services.checkins import BoardLine, BoardState
from bot.views.checkin_setup import NAME_IN_BUTTON, short
from bot.views.texts import day_with_weekday
from bot.views.words import join_items
from storage.models import User

BOARD_NAMES_PER_GROUP = 40
BOARD_GROUP_CHARS = 800  # four groups and the counts stay well under Telegram's 4096
BOARD_BUTTONS = 10
NAME_ON_BOARD = 32


def proxy_button(resident: User) -> list[InlineKeyboardButton]:
    text = _("☎️ {name}: checked in for them").format(
        name=short(resident.display_name, NAME_IN_BUTTON)
    )
    data = CheckinProxy(action="ask", resident_id=resident.id).pack()
    return [InlineKeyboardButton(text=text, callback_data=data)]


def proxy_confirm_keyboard(resident: User) -> InlineKeyboardMarkup:
    def button(text: str, action: str) -> list[InlineKeyboardButton]:
        data = CheckinProxy(action=action, resident_id=resident.id).pack()
        return [InlineKeyboardButton(text=text, callback_data=data)]

    return InlineKeyboardMarkup(
        inline_keyboard=[button(_("✅ Yes, all is well"), "yes"), button(_("↩️ Not yet"), "no")]
    )


def _group_heading(state: BoardState, count: int) -> str:
    headings = {
        BoardState.ESCALATED: _("🚨 Not answered, people told: {count}"),
        BoardState.PENDING: _("⏳ Waiting for an answer: {count}"),
        BoardState.PAUSED: _("✈️ Away: {count}"),
        BoardState.ANSWERED: _("✅ Answered: {count}"),
    }
    return headings[state].format(count=count)


def _names(lines: Sequence[BoardLine]) -> str:
    """As many names as fit (at most BOARD_NAMES_PER_GROUP), then "+N more"."""
    shown: list[str] = []
    used = 0
    for line in lines:
        name = short(line.resident.display_name, NAME_ON_BOARD)
        if len(shown) >= BOARD_NAMES_PER_GROUP or used + len(name) + 2 > BOARD_GROUP_CHARS:
            break
        shown.append(html.quote(name))
        used += len(name) + 2
    text = join_items(shown)
    if len(shown) < len(lines):
        text += " " + _("+{count} more").format(count=len(lines) - len(shown))
    return text


BOARD_ORDER = (BoardState.ESCALATED, BoardState.PENDING, BoardState.PAUSED, BoardState.ANSWERED)


def board_text(lines: Sequence[BoardLine], day: date, *, title: str | None = None) -> str:
    """Each group with its count, and the names in it (escalated first: they need a call)."""
    heading = title or _("📋 Check-ins today, {day}").format(day=day_with_weekday(day))
    parts = [f"<b>{heading}</b>"]
    for state in BOARD_ORDER:
        group = [line for line in lines if line.state is state]
        part = f"<b>{_group_heading(state, len(group))}</b>"
        if group:
            part += "\n" + _names(group)
        parts.append(part)
    return "\n\n".join(parts)


def board_keyboard(lines: Sequence[BoardLine]) -> InlineKeyboardMarkup | None:
    """A "checked in for them" button for the first escalated and waiting ones."""
    open_lines = [
        line for line in lines if line.state in (BoardState.ESCALATED, BoardState.PENDING)
    ]
    rows = [proxy_button(line.resident) for line in open_lines[:BOARD_BUTTONS]]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
