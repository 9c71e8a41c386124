"""Words of registering (/start): the questions of each step, what was wrong with an answer,
invitations, and the welcome."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CommunityChoice
from bot.policy.permissions import is_coordinator, is_volunteer
from bot.services.errors import (
    DescriptionEmpty,
    InvalidInput,
    InviteBelowRole,
    InviteExpired,
    InviteUsed,
    NameEmpty,
    NameTooLong,
    PhoneInvalid,
    TextTooLong,
)
from storage.models import User


def privacy_notice() -> str:
    return _(
        "<b>🔒 Your privacy</b>\n"
        "• <b>What we keep:</b> your name, your building or area, your phone number if you "
        "share it, your language, and what you ask or offer here.\n"
        "• <b>Who sees it:</b> the community coordinators. A volunteer sees your address and "
        "phone only after taking on your request, and every such look is recorded.\n"
        "• <b>Deleting it:</b> at any time, tap “🔒 Privacy” in the menu, then “Delete my data”."
    )


def invalid_input_text(error: InvalidInput) -> str:
    match error:
        case NameEmpty():
            return _("Please write your name in a message ✍️")
        case NameTooLong(limit=limit):
            return _("That is a bit long. Please send a name of up to {limit} characters.").format(
                limit=limit
            )
        case PhoneInvalid():
            return _(
                "That does not look like a phone number. Tap “📱 Share my phone number”, "
                "type your number, or tap “⏭ Skip”."
            )
        case DescriptionEmpty():
            return _("Please type the address in words ✍️")
        case TextTooLong(limit=limit):
            return _("That is a bit long. Please keep it to {limit} characters.").format(
                limit=limit
            )
    return _("Sorry, I could not use that. Please try again.")


def role_question() -> str:
    return _(
        "👋 Hello! I am <b>linli</b> (邻里), a helper for neighbours.\n\n"
        "Do you need some help, or would you like to volunteer?"
    )


def consent_question(first_name: str = "") -> str:
    if not first_name:
        return privacy_notice() + "\n\n" + _("Do you agree?")
    return (
        privacy_notice()
        + "\n\n"
        + _(
            "Do you agree? Then tap “✅ I agree” and I will call you {name}, or tap “✍️” "
            "to tell me another name."
        ).format(name=html.quote(first_name[:40]))
    )


def name_question() -> str:
    return _("What is your name? Type it, or tap the button below.")


def phone_question(name: str) -> str:
    return _(
        "Thank you, {name}. May we have your phone number, so that a coordinator can "
        "call you? It is optional."
    ).format(name=html.quote(name))


def invite_refused_text(error: Exception) -> str:
    match error:
        case InviteExpired():
            return _("This invitation has expired. Please ask for a new one.")
        case InviteUsed():
            return _("This invitation has already been used. Please ask for a new one.")
        case InviteBelowRole():
            return _(
                "You are a coordinator already, and you stay one. This invitation is for "
                "someone else: please pass it on to them."
            )
        case _:  # InviteInvalid
            return _("This invitation link is not valid. Please check it, or ask for a new one.")


def invite_accepted_text(role_name: str) -> str:
    return _("✅ Invitation accepted: you are now a {role}.").format(role=role_name)


def welcome_back_text(user: User) -> str:
    return _("Welcome back, {name}! How can I help?").format(name=html.quote(user.display_name))


def carry_on_text() -> str:
    return _("Welcome back! Let us carry on where we stopped.")


def private_chat_only_text() -> str:
    return _(
        "Please open a private chat with me and send this there: tap my name, then "
        "“Start”. Invitations work only there, so nobody else can use yours."
    )


def no_consent_note() -> str:
    return _("✖️ No, thank you")


def consent_note() -> str:
    return _("✅ I agree")


def consent_with_name_note(name: str) -> str:
    return _("✅ I agree, call me {name}").format(name=name)


def no_consent_text() -> str:
    return _(
        "That is all right. Without your agreement we cannot keep your details, so we "
        "cannot register you. If you change your mind, just write to me."
    )


def own_number_text() -> str:
    return _("Please share your own number with the button “📱 Share my phone number”.")


def tap_below_text() -> str:
    return _("Please tap one of the buttons below 👇")


def tap_one_first_text() -> str:
    return _("Please tap at least one first 👆")


def welcome_text(user: User) -> str:
    name = html.quote(user.display_name or "")
    if is_coordinator(user):
        return _("Welcome, {name}. You are registered as a coordinator.").format(name=name)
    if is_volunteer(user):
        return _(
            "Thank you for volunteering, {name}! You are registered. Tap “❓ Help” on the "
            "menu below to see what you can do."
        ).format(name=name)
    return _(
        "Thank you, {name}, you are registered. 🙂 When you need help, tap what it is about "
        "on the menu below 👇"
    ).format(name=name)


def volunteer_waits_text(user: User) -> str:
    return _(
        "Thank you for volunteering, {name}! 🙏 A coordinator will look at your "
        "registration soon, and I will send you a message as soon as they have. "
        "Until then you cannot see tasks yet."
    ).format(name=html.quote(user.display_name or ""))


COMMUNITIES_PER_PAGE = 8


def community_question() -> str:
    return _("🏘 Which community do you live in? Tap it below.")


def community_keyboard(communities: list[tuple[int, str]], page: int = 0) -> InlineKeyboardMarkup:
    """One big button per community, by name; a long list in pages of eight."""
    pages = max(1, -(-len(communities) // COMMUNITIES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = communities[page * COMMUNITIES_PER_PAGE : (page + 1) * COMMUNITIES_PER_PAGE]
    rows = [
        [
            InlineKeyboardButton(
                text="🏘 " + name,
                callback_data=CommunityChoice(action="pick", value=community_id).pack(),
            )
        ]
        for community_id, name in shown
    ]
    turn = []
    if page > 0:
        back = CommunityChoice(action="page", value=page - 1).pack()
        turn.append(InlineKeyboardButton(text=_("⬅️ Previous"), callback_data=back))
    if page < pages - 1:
        more = CommunityChoice(action="page", value=page + 1).pack()
        turn.append(InlineKeyboardButton(text=_("Next ➡️"), callback_data=more))
    if turn:
        rows.append(turn)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def community_chosen_note(name: str) -> str:
    return "🏘 " + name


def unknown_community_text() -> str:
    return _(
        "I could not find the community of this link, but never mind: let us register you "
        "all the same."
    )


def your_community_text(name: str) -> str:
    return _("🏘 Your community: {name}").format(name=html.quote(name))
