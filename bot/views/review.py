"""Words and choices of the coordinators' review card: the card itself (address and phone:
coordinators only), the preset reasons for rejecting, the choices shown in place of the card's
buttons, the notes of who did what, and the prompts for what a coordinator types."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.views.keyboards import one_per_row
from bot.views.request_keyboards import review_button
from bot.views.texts import category_label, preview, private_card, status_label
from bot.views.words import in_reader_script
from storage.models import HelpRequest, RequestCategory, RequestStatus, User

HOLDER_SHOWN = (RequestStatus.CLAIMED, RequestStatus.IN_PROGRESS, RequestStatus.DONE)

REJECT_REASONS = {
    "scope": __("This is not something our volunteers can help with."),
    "office": __("The community office can help you better with this: please call them."),
    "area": __("This is outside the area our volunteers cover."),
}
"""Preset reasons, stored by key and told to the resident in their own language."""


def name_of(user: User) -> str:
    return html.quote(user.display_name or "—")


def reason_text(reason: str | None) -> str:
    if reason in REJECT_REASONS:
        return str(REJECT_REASONS[reason])
    return html.quote(in_reader_script(reason or ""))


def coordinator_card(
    request: HelpRequest,
    resident: User,
    note: str | None = None,
    *,
    holder: User | None = None,
    from_checkin: bool = False,
) -> str:
    """The full card (address and phone: coordinators only), its status, who holds it, the
    resident's rating, and who did what."""
    text = private_card(request, resident) + "\n\n<b>" + html.quote(status_label(request.status))
    text += "</b>"
    if from_checkin:
        text = _("🙋 From the daily check-in: the resident tapped “I need help”.") + "\n" + text
    elif request.emergency:
        text = _("🚨 A possible emergency: please call the resident.") + "\n" + text
    if holder is not None and request.status in HOLDER_SHOWN:
        text += "\n" + _("🙋 Volunteer: {name}").format(name=name_of(holder))
    if request.rating:
        text += "\n" + _("⭐ Rated {rating}/5 by the resident").format(rating=request.rating)
        if request.rating_comment:
            text += "\n" + _("💬 Comment: {comment}").format(
                comment=html.quote(in_reader_script(preview(request.rating_comment)))
            )
    if request.reason and request.status is RequestStatus.REJECTED:
        text += "\n" + _("Reason: {reason}").format(reason=reason_text(request.reason))
    if request.duplicate_of_id:
        text += "\n" + _("Same as request no. {ref}").format(ref=request.duplicate_of_id)
    if note:
        text += "\n" + note
    return text


def announcement(
    request: HelpRequest, resident: User, *, emergency: bool, from_checkin: bool = False
) -> str:
    """A new request, as the coordinators first see it."""
    if from_checkin:
        head = _(
            "🙋 <b>“I need help” on the daily check-in.</b> {name} tapped it instead of "
            "“I'm fine”. Please call them now."
        ).format(name=name_of(resident))
        return head + "\n\n" + coordinator_card(request, resident)
    if emergency:
        head = _(
            "🚨 <b>Possible emergency.</b> The resident pressed “It's urgent” or wrote "
            "words that sound like one. Please call them now."
        )
    else:
        head = _("🆕 <b>New request</b>")
    return head + "\n\n" + coordinator_card(request, resident)


# choices shown in place of the card's buttons


def _with_back(request: HelpRequest, buttons: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return one_per_row([*buttons, review_button(request, "card", _("↩️ Back"))])


def category_choices(request: HelpRequest) -> InlineKeyboardMarkup:
    return _with_back(
        request,
        [
            review_button(request, "setcat", category_label(category), category.value)
            for category in RequestCategory
            if category is not request.category
        ],
    )


def reject_choices(request: HelpRequest) -> InlineKeyboardMarkup:
    buttons = [
        review_button(request, "rejectwhy", str(label), key)
        for key, label in REJECT_REASONS.items()
    ]
    buttons.append(review_button(request, "rejectwhy", _("✍️ Other: type it"), "other"))
    return _with_back(request, buttons)


def volunteer_choices(request: HelpRequest, volunteers: list[User]) -> InlineKeyboardMarkup:
    return _with_back(
        request,
        [
            review_button(
                request,
                "pick",
                f"👤 {volunteer.display_name or '—'} · {volunteer.area or '—'}"[:60],
                str(volunteer.id),
            )
            for volunteer in volunteers
        ],
    )


# notes of who did what, under the card


def approved_note(coordinator: User) -> str:
    return _("✅ Approved by {name}").format(name=name_of(coordinator))


def category_note(coordinator: User) -> str:
    return _("🏷 Category changed by {name}").format(name=name_of(coordinator))


def urgency_note(coordinator: User, urgent: bool) -> str:
    template = _("🚨 Marked urgent by {name}") if urgent else _("⬇️ Marked not urgent by {name}")
    return template.format(name=name_of(coordinator))


def rejected_note(coordinator: User) -> str:
    return _("✖️ Rejected by {name}").format(name=name_of(coordinator))


def assigned_note(volunteer: User, coordinator: User) -> str:
    return _("👤 Assigned to {volunteer} by {name}").format(
        volunteer=name_of(volunteer), name=name_of(coordinator)
    )


def unassigned_note(coordinator: User) -> str:
    return _("↩️ Back to the pool, by {name}").format(name=name_of(coordinator))


# prompts for typing (`name` is the presser, a mention in a group)


def question_prompt(name: str, ref: str) -> str:
    return _(
        "✍️ {name}, please type your question for the resident of request no. {ref}, or "
        "say it in a voice message 🎤. To stop, write “stop”."
    ).format(name=name, ref=ref)


def duplicate_prompt(name: str, ref: str) -> str:
    return _(
        "🔗 {name}, please type the number of the request that no. {ref} repeats. "
        "To stop, write “stop”."
    ).format(name=name, ref=ref)


def reason_prompt(name: str) -> str:
    return _(
        "✍️ {name}, please type the reason, or say it in a voice message 🎤; the resident will "
        "read or hear it."
    ).format(name=name)
