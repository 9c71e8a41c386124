"""The coordinator's queue (/waiting): requests of their communities waiting to be checked or
taken, one big button each that brings that request's card."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.views.keyboards import one_per_row
from bot.views.request_keyboards import review_button
from bot.views.texts import category_label
from storage.models import HelpRequest, RequestStatus


def _line(request: HelpRequest, community: str) -> str:
    state = (
        _("to check") if request.status is RequestStatus.PENDING else _("waiting for a volunteer")
    )
    words = [
        ("🚨 " if request.urgent else "") + _("No. {ref}").format(ref=request.id),
        category_label(request.category),
        state,
    ]
    if community:
        words.append(community)
    return " · ".join(words)


def queue(
    requests: list[HelpRequest], total: int, communities: dict[int, str]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The list and its buttons; `communities` names each request's community when the
    coordinator looks after more than one (else it is empty)."""
    if not requests:
        return _("✅ No request is waiting now. Thank you!"), None
    lines = [_("<b>📋 Requests waiting: {count}</b>").format(count=total)]
    lines += [html.quote(_line(r, communities.get(r.community_id, ""))) for r in requests]
    if total > len(requests):
        lines.append(_("The first {shown} are here.").format(shown=len(requests)))
    lines.append(_("Tap one to see it and act on it."))
    buttons = [
        review_button(r, "show", "📄 " + _line(r, communities.get(r.community_id, "")))
        for r in requests
    ]
    return "\n".join(lines), one_per_row(buttons)
