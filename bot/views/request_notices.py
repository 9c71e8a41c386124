"""The words of what people are told about a help request by others' actions (the notify
policy in bot/policy/notify/requests.py decides who hears each). Residents see only the
volunteer's first name."""

from __future__ import annotations

from aiogram import html
from aiogram.utils.i18n import gettext as _

from bot.services.requests import reference
from bot.views.texts import duration_label, first_name, preview, private_card, when_label
from bot.views.words import in_reader_script
from storage.models import HelpRequest, RequestStatus, User, VolunteerProfile, VolunteerStatus


def approved(request: HelpRequest) -> str:
    return _(
        "✅ Your request no. {ref} was checked. We are now finding a volunteer, and I "
        "will tell you who is coming."
    ).format(ref=reference(request))


def rejected(request: HelpRequest, reason: str) -> str:
    return _(
        "😔 We are sorry: we cannot take on your request no. {ref}.\n{reason}\n\n"
        "If you need anything else, tap what it is about on the menu below at any time."
    ).format(ref=reference(request), reason=reason)


def question(request: HelpRequest, text: str) -> str:
    return _("❓ A coordinator asks about your request no. {ref}:\n\n{question}").format(
        ref=reference(request), question=html.quote(in_reader_script(preview(text)))
    )


def answer(request: HelpRequest, text: str) -> str:
    return _("💬 The resident answers about request no. {ref}:\n{answer}").format(
        ref=reference(request), answer=html.quote(in_reader_script(preview(text)))
    )


def merged(request: HelpRequest, original: HelpRequest) -> str:
    return _(
        "🔗 Your request no. {ref} is the same as no. {original}, so we joined them. "
        "We carry on with no. {original}."
    ).format(ref=reference(request), original=reference(original))


def unassigned(ref: str) -> str:
    return _(
        "↩️ A coordinator took request no. {ref} off your list. You do not need to go. Thank you!"
    ).format(ref=ref)


def assigned_to_you(request: HelpRequest, resident: User) -> str:
    return (
        _("👤 A coordinator gave you this task. Thank you!")
        + "\n\n"
        + private_card(request, resident)
    )


def assigned_to_resident(request: HelpRequest, volunteer: User) -> str:
    return _("🤝 Good news: {volunteer} will help you with request no. {ref}, {when}.").format(
        volunteer=html.quote(first_name(volunteer)),
        ref=reference(request),
        when=when_label(request),
    )


def reopened(request: HelpRequest) -> str:
    return _(
        "🔎 The volunteer for your request no. {ref} cannot come. We are finding "
        "someone else and will tell you who is coming."
    ).format(ref=reference(request))


def cancelled_to_volunteer(request: HelpRequest) -> str:
    return _(
        "✖️ Request no. {ref} was cancelled by the resident. You do not need to go. Thank you!"
    ).format(ref=reference(request))


def cancelled_to_coordinators(request: HelpRequest) -> str:
    return _("✖️ Request no. {ref} was cancelled by the resident.").format(ref=reference(request))


def feedback(request: HelpRequest) -> str:
    text = _("⭐ Feedback on request no. {ref}: rated {rating}/5.").format(
        ref=reference(request), rating=request.rating or "—"
    )
    if request.rating_comment:
        text += "\n" + _("💬 Comment: {comment}").format(
            comment=html.quote(in_reader_script(preview(request.rating_comment)))
        )
    return text


def claimed(request: HelpRequest, volunteer: User) -> str:
    return _(
        "🤝 Good news! {name}, a volunteer, will help you with request no. {ref}. When: {when}."
    ).format(
        name=html.quote(first_name(volunteer)),
        ref=reference(request),
        when=when_label(request),
    )


def on_the_way(request: HelpRequest, volunteer: User) -> str:
    return _("🚶 {name} is on the way to you now (request no. {ref}).").format(
        name=html.quote(first_name(volunteer)), ref=reference(request)
    )


def done(request: HelpRequest, volunteer: User) -> str:
    return _(
        "✅ {name} has finished request no. {ref}. We hope it went well! "
        "How was the help? Tap a button:"
    ).format(name=html.quote(first_name(volunteer)), ref=reference(request))


def released_to_coordinators(request: HelpRequest, volunteer: User) -> str:
    return _("↩️ {volunteer} cannot make it: request no. {ref} is back with the volunteers.").format(
        volunteer=html.quote(volunteer.display_name or first_name(volunteer)),
        ref=reference(request),
    )


def released_to_resident(request: HelpRequest, volunteer: User) -> str:
    return _(
        "{name} cannot come after all, sorry. Do not worry: we are finding another "
        "volunteer for request no. {ref}."
    ).format(name=html.quote(first_name(volunteer)), ref=reference(request))


def volunteer_decision(volunteer: User, profile: VolunteerProfile) -> str:
    if profile.status is VolunteerStatus.APPROVED:
        text = _(
            "🎉 Good news, {name}: a coordinator has approved you as a volunteer. "
            "Tap “🔎 Open tasks” to see who needs a hand."
        )
    else:
        text = _(
            "Thank you for offering to help, {name}. A coordinator could not approve your "
            "registration this time; they may get in touch with you."
        )
    return text.format(name=html.quote(volunteer.display_name or ""))


def waiting(
    request: HelpRequest,
    resident: User | None,
    volunteer: User | None,
    *,
    waited_minutes: int,
    unclaimed: bool,
) -> str:
    """The coordinators' reminder of a request nobody took, or one not marked done in time."""
    if unclaimed and request.status is RequestStatus.PENDING:
        headline = _(
            "⏰ Still waiting after {waited}: no coordinator has checked this request yet."
        )
    elif unclaimed:
        headline = _("⏰ Still waiting after {waited}: nobody has taken this request yet.")
    else:
        headline = _("⏰ Not marked done: {volunteer} took this request, and its time has passed.")
    text = headline.format(
        waited=duration_label(waited_minutes),
        volunteer=html.quote(volunteer.display_name or "—") if volunteer else "—",
    )
    card = private_card(request, resident) if resident else ""
    return f"<b>{text}</b>\n\n{card}"


def taken_to_coordinators(request: HelpRequest, volunteer: User) -> str:
    return _("🤝 {volunteer} took request no. {ref} ({when}).").format(
        volunteer=html.quote(volunteer.display_name or first_name(volunteer)),
        ref=reference(request),
        when=when_label(request),
    )


def rating_to_volunteer(request: HelpRequest, resident: User | None) -> str:
    """The resident's thanks, to the volunteer who helped: the rating, and the comment if any."""
    text = _("⭐ {name} rated your help with request no. {ref}: {rating}/5. Thank you!").format(
        name=html.quote(first_name(resident))
        if resident and resident.display_name
        else _("The resident"),
        ref=reference(request),
        rating=request.rating or "—",
    )
    if request.rating_comment:
        text += "\n" + _("💬 They wrote: {comment}").format(
            comment=html.quote(in_reader_script(preview(request.rating_comment)))
        )
    return text
