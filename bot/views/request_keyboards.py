"""Inline keyboards attached to help requests, shared by the flows that send them: the
coordinators' review card, a volunteer's claim button and held-task buttons, the resident's
rating, cancelling and answering. One action per row, so every button is wide and easy to hit."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import RequestAction, ReviewAction, TaskAction, VolunteerDecision
from bot.services.requests import FINISHED
from bot.views.keyboards import one_per_row
from storage.models import HelpRequest, RequestStatus


def review_button(
    request: HelpRequest, action: str, text: str, value: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text,
        callback_data=ReviewAction(
            action=action, request_id=request.id, version=request.version, value=value
        ).pack(),
    )


def review_keyboard(request: HelpRequest) -> InlineKeyboardMarkup | None:
    """The coordinators' buttons for a request, fitting its status."""
    if request.status is RequestStatus.PENDING:
        return one_per_row(
            [
                review_button(request, "approve", _("✅ Approve and publish")),
                review_button(request, "assign", _("👤 Assign to a volunteer")),
                review_button(request, "category", _("🏷 Change category")),
                review_button(
                    request, "urgency", _("⬇️ Not urgent") if request.urgent else _("🚨 Mark urgent")
                ),
                review_button(request, "ask", _("❓ Ask the resident")),
                review_button(request, "duplicate", _("🔗 Duplicate of…")),
                review_button(request, "reject", _("✖️ Reject")),
            ]
        )
    if request.status is RequestStatus.OPEN:
        return one_per_row(
            [
                review_button(request, "assign", _("👤 Assign to a volunteer")),
                review_button(
                    request, "urgency", _("⬇️ Not urgent") if request.urgent else _("🚨 Mark urgent")
                ),
                review_button(request, "ask", _("❓ Ask the resident")),
            ]
        )
    if request.status in (RequestStatus.CLAIMED, RequestStatus.IN_PROGRESS):
        return one_per_row(
            [
                review_button(request, "assign", _("🔁 Reassign")),
                review_button(request, "unassign", _("↩️ Back to the pool")),
            ]
        )
    return None


def claim_keyboard(request: HelpRequest) -> InlineKeyboardMarkup:
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("🙌 I'll do it"),
                callback_data=TaskAction(action="claim", request_id=request.id).pack(),
            )
        ]
    )


def held_task_keyboard(request: HelpRequest) -> InlineKeyboardMarkup:
    """For the volunteer holding the task."""
    buttons = []
    if request.status is RequestStatus.CLAIMED:
        buttons.append(
            InlineKeyboardButton(
                text=_("🚶 On my way"),
                callback_data=TaskAction(action="start", request_id=request.id).pack(),
            )
        )
    buttons += [
        InlineKeyboardButton(
            text=_("✅ Done"), callback_data=TaskAction(action="done", request_id=request.id).pack()
        ),
        InlineKeyboardButton(
            text=_("😔 I can't make it"),
            callback_data=TaskAction(action="release", request_id=request.id).pack(),
        ),
    ]
    return one_per_row(buttons)


def rating_keyboard(request: HelpRequest) -> InlineKeyboardMarkup:
    """Five big buttons, best on top, the number and the words both on each."""
    labels = {
        5: _("😄 5 · Excellent"),
        4: _("🙂 4 · Good"),
        3: _("😐 3 · All right"),
        2: _("🙁 2 · Not good"),
        1: _("😞 1 · Bad"),
    }
    return one_per_row(
        InlineKeyboardButton(
            text=label,
            callback_data=RequestAction(action="rate", request_id=request.id, value=score).pack(),
        )
        for score, label in labels.items()
    )


def volunteer_decision_keyboard(volunteer_id: int) -> InlineKeyboardMarkup:
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("✅ Approve volunteer"),
                callback_data=VolunteerDecision(volunteer_id=volunteer_id, approve=True).pack(),
            ),
            InlineKeyboardButton(
                text=_("✖️ Decline"),
                callback_data=VolunteerDecision(volunteer_id=volunteer_id, approve=False).pack(),
            ),
        ]
    )


def _request_button(action: str, request_id: int, text: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=RequestAction(action=action, request_id=request_id).pack()
    )


def cancel_keyboard(request: HelpRequest) -> InlineKeyboardMarkup | None:
    """Under a resident's own request while it is under way."""
    if request.status in FINISHED:
        return None
    return one_per_row([_request_button("cancel", request.id, _("✖️ Cancel this request"))])


def cancel_confirm_keyboard(request: HelpRequest) -> InlineKeyboardMarkup:
    return one_per_row(
        [
            _request_button("cancel_yes", request.id, _("✖️ Yes, cancel it")),
            _request_button("keep", request.id, _("↩️ No, keep it")),
        ]
    )


def comment_keyboard(request: HelpRequest) -> InlineKeyboardMarkup:
    """After a rating: a comment, or not."""
    return one_per_row(
        [
            _request_button("comment", request.id, _("💬 Add a comment")),
            _request_button("nocomment", request.id, _("No, thanks")),
        ]
    )


def answer_keyboard(request_id: int) -> InlineKeyboardMarkup:
    """For the resident: answer a coordinator's question about their own request."""
    return one_per_row([_request_button("answer", request_id, _("✍️ Answer"))])
