"""Words and keyboards of the volunteer side: what a volunteer offers (skills, spoken languages),
their registration card for the coordinators, the task list, and the "how long did it take?"
question, and why something cannot be done. Only `claimed_text`, for the volunteer who holds
the task, shows a resident's address and phone."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.callbacks import ServeChoice, ServeDecision, TaskAction, VolunteerOffer
from bot.services.errors import (
    DomainError,
    InvalidTransition,
    MinutesInvalid,
    NotYourTask,
    RequestChanged,
    RequestNotFound,
    TaskTaken,
    TaskUnavailable,
    TooManyClaims,
)
from bot.services.requests import reference
from bot.services.volunteers import VOLUNTEER_LANGUAGES
from bot.views.keyboards import one_per_row
from bot.views.request_keyboards import claim_keyboard, held_task_keyboard
from bot.views.texts import category_label, duration_label, private_card, public_card
from bot.views.words import join_items, phone_html
from storage.models import (
    Community,
    HelpRequest,
    RequestCategory,
    RequestStatus,
    User,
    VolunteerStatus,
)

SPOKEN_LANGUAGES = {
    "mandarin": __("Mandarin"),
    "cantonese": __("Cantonese"),
    "english": __("English"),
    "dialect": __("Local dialect"),
}
"""Labels of VOLUNTEER_LANGUAGES (languages a volunteer speaks, not the bot's language)."""

MINUTE_CHOICES = (30, 60, 90, 120, 180)
TASKS_PER_PAGE = 5


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
    return one_per_row(buttons)


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
        phone=phone_html(volunteer.phone, "") if volunteer.phone else _("not given"),
        area=html.quote(volunteer.area or "—"),
        skills=join_items(skill_label(skill) for skill in skills) or "—",
        languages=join_items(spoken_language_label(code) for code in languages) or "—",
    )


def waiting_volunteers_text(shown: int, total: int) -> str:
    """The line above the cards of /volunteers."""
    if total == 0:
        return _("🤝 No volunteer is waiting for a decision. Thank you!")
    if shown < total:
        return _(
            "🤝 {total} volunteers are waiting for a decision. Here are the {shown} who have "
            "waited longest: approve or decline each below."
        ).format(total=total, shown=shown)
    return _(
        "🤝 Volunteers waiting for a decision: {count}. Approve or decline each below."
    ).format(count=total)


def decision_note(approved: bool, coordinator: User | None) -> str:
    name = (coordinator.display_name if coordinator else None) or _("a coordinator")
    if approved:
        return _("✅ Approved by {name}").format(name=name)
    return _("✖️ Declined by {name}").format(name=name)


# serving a further community (/serve)


def serve_question() -> str:
    return _(
        "🏘 Which other community would you like to help too? Tap its name. Its coordinators "
        "say yes first, and I will tell you."
    )


def serve_keyboard(communities: list[Community]) -> InlineKeyboardMarkup:
    """One big button per community the volunteer does not serve yet."""
    return one_per_row(
        InlineKeyboardButton(
            text="🏘 " + community.name,
            callback_data=ServeChoice(community_id=community.id).pack(),
        )
        for community in communities
    )


def no_other_community_text(*, only_one: bool) -> str:
    if only_one:
        return _(
            "There is no other community here to help yet: all the tasks you can take are in "
            "🔎 Open tasks. Thank you for all you do! 😊"
        )
    return _("You already help every community here. Thank you for all you do! 😊")


def serve_asked_text(community: str) -> str:
    return _(
        "✅ Thank you! I asked the coordinators of {community}. I will tell you when they answer."
    ).format(community=html.quote(community))


def serve_card(volunteer: User, community: str, home: str) -> str:
    """For the coordinators of `community`: a volunteer of another community offers to help."""
    return _(
        "<b>🤝 A volunteer would like to help {community} too</b>\n"
        "Name: {name}\nPhone: {phone}\nVolunteers now in: {home}"
    ).format(
        community=html.quote(community),
        name=html.quote(volunteer.display_name or "—"),
        phone=phone_html(volunteer.phone, "") if volunteer.phone else _("not given"),
        home=html.quote(home or "—"),
    )


def serve_decision_keyboard(volunteer_id: int, community_id: int) -> InlineKeyboardMarkup:
    def button(text: str, approve: bool) -> InlineKeyboardButton:
        data = ServeDecision(volunteer_id=volunteer_id, community_id=community_id, approve=approve)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    return one_per_row([button(_("✅ Yes, welcome"), True), button(_("✖️ Decline"), False)])


def serve_decided_text(approved: bool, community: str) -> str:
    """To the volunteer who asked."""
    if approved:
        return _(
            "🎉 Good news: the coordinators of {community} said yes. From now on you see its "
            "tasks too, in 🔎 Open tasks."
        ).format(community=html.quote(community))
    return _(
        "The coordinators of {community} said not now. Thank you for offering to help!"
    ).format(community=html.quote(community))


def serve_answered_note(serves: bool) -> str:
    """A press on an ask answered already."""
    if serves:
        return _("✅ This volunteer helps this community already.")
    return _("This was answered already.")


def more_tasks_keyboard(offset: int) -> InlineKeyboardMarkup:
    return one_per_row(
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
    return one_per_row(buttons)


def release_confirm_keyboard(request_id: int) -> InlineKeyboardMarkup:
    return one_per_row(
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


# refusals and answers of the task buttons


def not_allowed_text(*, helper: bool, resident: bool, status: VolunteerStatus | None) -> str:
    """Why this person cannot work on tasks, kindly: a `helper` (volunteer or coordinator)
    whose registration has `status`, a registered `resident`, or someone else."""
    if helper:
        if status is VolunteerStatus.DECLINED:
            return _(
                "Your volunteer registration was not approved, so you cannot take tasks. "
                "A coordinator can tell you more."
            )
        return _(
            "⏳ A coordinator is still checking your registration. I will send you a message "
            "as soon as you can see and take tasks. Thank you for your patience!"
        )
    if resident:
        return _(
            "Tasks are for volunteers. If you need help yourself, tap what it is about on the "
            "menu below, and a volunteer will come to you."
        )
    return _("Only registered volunteers can take tasks. Please write to me in a private chat.")


def task_error_text(error: DomainError) -> str:
    match error:
        case TaskTaken():
            return _("🙏 Someone else has just taken this task. Thank you all the same!")
        case TooManyClaims(limit=limit):
            return _(
                "You already hold {limit} tasks, which is the most one volunteer may hold. "
                "Please finish or give back one of them first (🧰 My tasks)."
            ).format(limit=limit)
        case NotYourTask():
            return _("This task is not yours, so nothing was changed.")
        case MinutesInvalid():
            return _("Please give the time in minutes, from 1 to 1440. For example: 45")
        case TaskUnavailable() | RequestNotFound():
            return _(
                "This task is no longer open: it was cancelled, finished or changed. "
                "Thank you for looking!"
            )
        case InvalidTransition() | RequestChanged():
            return _(
                "This task has changed since this message (it may be finished, cancelled or "
                "given back), so nothing was changed. 🧰 My tasks shows what you hold now."
            )
    return _("Sorry, that is not possible now.")


def taken_note() -> str:
    return _("🤝 Taken by a volunteer. Thank you!")


def claimed_text(request: HelpRequest, resident: User) -> str:
    """For the volunteer who just won the task: the full card."""
    return (
        _("✅ This task is yours. Thank you!")
        + "\n\n"
        + private_card(request, resident)
        + "\n\n"
        + _("Tap “🚶 On my way” when you set off.")
    )


def done_text(request: HelpRequest, minutes: int, this_month: int, total: int) -> str:
    return _(
        "🙏 Thank you! {spent} counted for request no. {ref}.\n"
        "Your time this month: {month}. In total: {total}."
    ).format(
        spent=duration_label(minutes),
        ref=reference(request),
        month=duration_label(this_month),
        total=duration_label(total),
    )


# the cards of a task as it changes (bot.policy.notify.request_cards keeps them true)


def _with_note(card: str, note: str) -> str:
    return f"{card}\n\n<b>{html.quote(note)}</b>"


def _status_note(request: HelpRequest) -> str | None:
    """How the public posts of a task say where it stands (no names: only that it is taken)."""
    match request.status:
        case RequestStatus.OPEN:
            return None
        case RequestStatus.CLAIMED:
            return taken_note()
        case RequestStatus.IN_PROGRESS:
            return _("🚶 Taken: a volunteer is on the way.")
        case RequestStatus.DONE:
            if request.rating:
                return _("✅ Done. The resident rated the help {rating}/5. Thank you!").format(
                    rating=request.rating
                )
            return _("✅ Done. Thank you, everyone!")
        case RequestStatus.CANCELLED:
            return _("✖️ Cancelled by the resident: nobody needs to go.")
    return _("This task is no longer open.")


def group_post(request: HelpRequest, *, latest: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    """The post in the volunteers' group; only the newest post of a task keeps its button."""
    note = _status_note(request)
    if note is None and not latest:
        note = _("🔁 Posted again: see the newer post below.")
    if note is None:
        return public_card(request), claim_keyboard(request)
    return _with_note(public_card(request), note), None


def browse_card(request: HelpRequest) -> tuple[str, InlineKeyboardMarkup | None]:
    """A task shown in a volunteer's private chat by “🔎 Open tasks”."""
    if request.status is RequestStatus.OPEN:
        return public_card(request), claim_keyboard(request)
    return _with_note(public_card(request), _("This task is no longer open.")), None


def holder_card(
    request: HelpRequest, resident: User | None, *, holds: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card of the volunteer who took the task: the address while it is theirs and under
    way; once done, cancelled or no longer theirs, the public card and no buttons."""
    if request.status is RequestStatus.CANCELLED:
        note = _("✖️ The resident cancelled this request. You do not need to go. Thank you!")
        return _with_note(public_card(request), note), None
    if not holds:
        note = _("↩️ This task is no longer yours. Thank you!")
        return _with_note(public_card(request), note), None
    if request.status is RequestStatus.DONE:
        note = _("✅ Done. Thank you!")
        if request.rating:
            note += " " + _("The resident rated your help {rating}/5.").format(
                rating=request.rating
            )
        return _with_note(public_card(request), note), None
    if resident is None or request.status not in (RequestStatus.CLAIMED, RequestStatus.IN_PROGRESS):
        return _with_note(public_card(request), _("This task is no longer open.")), None
    if request.status is RequestStatus.CLAIMED:
        return claimed_text(request, resident), held_task_keyboard(request)
    text = (
        _("🚶 You are on your way. Thank you!")
        + "\n\n"
        + private_card(request, resident)
        + "\n\n"
        + _("Tap “✅ Done” when you have finished.")
    )
    return text, held_task_keyboard(request)
