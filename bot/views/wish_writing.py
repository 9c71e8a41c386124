"""Words and buttons of writing a small wish: the household (a coordinator's), its kind, its
words, value, form of address and age band, and the summary before it is sent."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import WishStep
from bot.views.households import household_label
from bot.views.keyboards import one_per_row
from bot.views.wishes import (
    AGE_LABELS,
    VALUES,
    age_label,
    kind_label,
    status_label,
    value_label,
    wish_button,
    wish_ref,
    wish_words,
)
from storage.models import Household, Wish, WishKind

# writing a wish


def household_question() -> str:
    return _("🌟 A wish for which household? Tap it, or type its code (for example A17).")


def household_keyboard(households: list[Household]) -> InlineKeyboardMarkup:
    buttons = [
        wish_button(
            f"🏠 {household_label(household)}",
            WishStep(field="hh", value=str(household.id)).pack(),
        )
        for household in households[-8:]
    ]
    buttons.append(wish_button(_("➕ A new household"), WishStep(field="hh", value="new").pack()))
    return one_per_row(buttons)


def new_household_question() -> str:
    return _(
        "How do you know this household? For example “周伯伯家, Building 3”. Only the "
        "coordinators will see it."
    )


def own_wishes_text(found: list[Wish]) -> str:
    """Where her wishes stand, before she makes another."""
    lines = [_("🌟 Your wishes:")]
    for wish in found:
        words = wish_words(wish.description) if wish.description else "🎙"
        lines.append(f"{wish_ref(wish)} {words}: {status_label(wish.status)}")
    return "\n".join(lines)


def kind_question(for_someone: bool = False) -> str:
    if for_someone:
        return _("🌟 What kind of wish is it?")
    return _(
        "🌟 A small wish: something you would like to have, or some of a neighbour's time. "
        "Neighbours may light it. What kind of wish is it?"
    )


def kind_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        wish_button(kind_label(kind), WishStep(field="kind", value=kind.value).pack())
        for kind in WishKind
    )


def words_question(kind: WishKind) -> str:
    if kind is WishKind.ITEM:
        return _(
            "What would you wish for? A few words, for example “a warm winter coat”. You can "
            "also send a voice message or a photo 🎙"
        )
    return _(
        "What would you like help with? A few words, for example “an hour of tutoring a "
        "week”. You can also send a voice message or a photo 🎙"
    )


def words_placeholder() -> str:
    return _("Your wish in a few words")


def words_not_usable() -> str:
    return _("Please say your wish in words, or send a voice message or a photo 🎙")


def too_long(limit: int) -> str:
    return _(
        "That is a bit long. Please say it in fewer words (at most {limit} characters)."
    ).format(limit=limit)


def value_question() -> str:
    return _("About how much is it worth? Tap an amount, or type it (in yuan).")


def value_keyboard() -> InlineKeyboardMarkup:
    buttons = [
        wish_button(
            _("about ¥{amount}").format(amount=amount),
            WishStep(field="value", value=str(amount)).pack(),
        )
        for amount in VALUES
    ]
    buttons.append(wish_button(_("🤷 I don't know"), WishStep(field="value", value="0").pack()))
    return one_per_row(buttons)


def value_not_understood() -> str:
    return _("Sorry, I did not understand the amount. Please type a number, for example 200.")


def address_as_question(for_someone: bool = False) -> str:
    if for_someone:
        return _(
            "How should neighbours call them? For example “王奶奶” or “小明”. No full name, "
            "no address: only this is shown with the wish."
        )
    return _(
        "How should neighbours call you? For example “王奶奶” or “Grandma Wang”. No full "
        "name, no address: only this is shown with your wish."
    )


def address_as_invalid() -> str:
    return _(
        "Please type just how to call them, a few characters without numbers, for example “王奶奶”."
    )


def age_question() -> str:
    return _("And the age, roughly? Only this is shown.")


def age_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        wish_button(str(label), WishStep(field="age", value=band).pack())
        for band, label in AGE_LABELS.items()
    )


CONFIRM_CHOICES = ("send", "cancel")


def summary(data: dict[str, object]) -> str:
    kind = WishKind(str(data["kind"]))
    lines = [_("🌟 Your wish, before it is sent to the coordinators:"), ""]
    lines.append(kind_label(kind))
    if data.get("words"):
        lines.append("💬 " + wish_words(str(data["words"])))
    if data.get("voice"):
        lines.append(_("🎙 With a voice message"))
    if data.get("photo"):
        lines.append(_("📷 With a photo"))
    lines.append("💰 " + value_label(int(data.get("value") or 0)))
    lines.append(
        "🙂 "
        + html.quote(str(data.get("address_as", "")))
        + " · "
        + age_label(str(data.get("age")))
    )
    lines += ["", _("The coordinators check it first; then neighbours can light it.")]
    return "\n".join(lines)


def confirm_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            wish_button(_("✅ Send"), WishStep(field="confirm", value="send").pack()),
            wish_button(_("✖️ Don't send"), WishStep(field="confirm", value="cancel").pack()),
        ]
    )


def confirm_label(choice: str) -> str:
    return _("✅ Send") if choice == "send" else _("✖️ Don't send")


def posted_text(wish: Wish, for_someone: bool) -> str:
    if for_someone:
        return _("🌟 Wish {ref} is written down. It waits for a coordinator's check.").format(
            ref=wish_ref(wish)
        )
    return _(
        "🌟 Thank you. Your wish {ref} was sent to the coordinators. I will tell you when "
        "neighbours can light it."
    ).format(ref=wish_ref(wish))


def not_sent_text() -> str:
    return _("OK, nothing was sent.")


def only_residents_text() -> str:
    return _(
        "Wishes are made by the residents the community looks after. A coordinator can "
        "write one for a household."
    )


def new_household_label() -> str:
    return _("➕ A new household")


def new_household_placeholder() -> str:
    return _("How you know the household")


def household_label_invalid() -> str:
    return _("Please type a few words, at most 128 characters, for example “周伯伯家”.")


def household_opened(code: str) -> str:
    return _("🏠 Household {code} is opened.").format(code=code)


def address_as_placeholder() -> str:
    return _("For example 王奶奶")
