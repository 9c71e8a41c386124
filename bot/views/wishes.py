"""Words and buttons of small wishes (点亮微心愿): writing one, the coordinators' card, the card
donors see (form of address, age band, the approved words, the area: never an address), and
what the donor and the household read along the way."""

from __future__ import annotations

from datetime import datetime

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot.callbacks import WishAction, WishReview
from bot.views.keyboards import one_per_row
from bot.views.texts import date_label, preview
from bot.views.words import in_reader_script
from storage.models import Household, User, Wish, WishDelivery, WishKind, WishStatus

VALUES = (50, 100, 200, 500)

AGE_LABELS = {
    "child": __("a child"),
    "teen": __("a teenager"),
    "adult": __("an adult"),
    "60s": __("in their 60s"),
    "70s": __("in their 70s"),
    "80s": __("in their 80s"),
    "90s": __("90 or older"),
}


def wish_button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def wish_words(text: str) -> str:
    return html.quote(in_reader_script(preview(text)))


def kind_label(kind: WishKind) -> str:
    return _("🎁 Something to have") if kind is WishKind.ITEM else _("🤝 Some of someone's time")


def age_label(band: str) -> str:
    label = AGE_LABELS.get(band)
    return str(label) if label else "—"


def value_label(value: int | None) -> str:
    return _("about ¥{amount}").format(amount=value) if value else _("🤷 I don't know")


def status_label(status: WishStatus) -> str:
    return {
        WishStatus.PENDING: _("⏳ Waiting to be checked"),
        WishStatus.OPEN: _("🌟 Waiting for a neighbour to light it"),
        WishStatus.LIT: _("🕯 Lit: a neighbour is bringing it"),
        WishStatus.DELIVERED: _("📦 Brought: waiting for the household to confirm"),
        WishStatus.RECEIVED: _("✅ Received"),
        WishStatus.DECLINED: _("✖️ Not taken on"),
        WishStatus.CANCELLED: _("✖️ Withdrawn"),
    }[status]


# the coordinators' card


def wish_ref(wish: Wish) -> str:
    return f"#{wish.id}"


def coordinator_card(wish: Wish, household: Household | None, note: str = "") -> str:
    """Everything about the wish (the household's label and address: coordinators only)."""
    lines = [_("🌟 Wish {ref}: {kind}").format(ref=wish_ref(wish), kind=kind_label(wish.kind))]
    if household is not None:
        home = f"🏠 {household.code} · {html.quote(household.label)}"
        if household.address:
            home += " · " + html.quote(household.address)
        lines.append(home)
    if wish.area:
        lines.append("📍 " + html.quote(wish.area))
    lines.append("🙂 " + html.quote(wish.address_as) + " · " + age_label(wish.age_band))
    if wish.description:
        lines.append("💬 " + wish_words(wish.description))
    if wish.voice_file_id:
        lines.append(_("🎙 With a voice message (below)"))
    if wish.photo_file_id:
        lines.append(_("📷 With a photo (below)"))
    lines.append("💰 " + value_label(wish.value_yuan))
    if wish.for_someone:
        lines.append(_("✍️ Written by a coordinator for the household"))
    lines += ["", "<b>" + html.quote(status_label(wish.status)) + "</b>"]
    if note:
        lines.append(note)
    return "\n".join(lines)


def review_keyboard(wish: Wish) -> InlineKeyboardMarkup | None:
    def button(text: str, action: str) -> InlineKeyboardButton:
        return wish_button(
            text, WishReview(action=action, wish_id=wish.id, version=wish.version).pack()
        )

    if wish.status is WishStatus.PENDING:
        return one_per_row(
            [
                button(_("✅ Approve"), "approve"),
                button(_("✏️ Change the words"), "edit"),
                button(_("❓ Ask the household"), "ask"),
                button(_("✖️ Decline"), "decline"),
            ]
        )
    if wish.status is WishStatus.OPEN:
        return one_per_row(
            [button(_("✏️ Change the words"), "edit"), button(_("✖️ Decline"), "decline")]
        )
    if wish.status in (WishStatus.LIT, WishStatus.DELIVERED):
        return one_per_row([button(_("✅ Mark as received"), "received")])
    return None


def done_note(coordinator: User, action: str) -> str:
    name = html.quote(coordinator.display_name or "—")
    return {
        "approve": _("✅ Approved by {name}"),
        "edit": _("✏️ Words changed by {name}"),
        "decline": _("✖️ Declined by {name}"),
        "received": _("✅ Marked as received by {name}"),
    }[action].format(name=name)


def edit_prompt(name: str, wish: Wish) -> str:
    return _("{name}, please type the words of wish {ref} as neighbours should read them.").format(
        name=name, ref=wish_ref(wish)
    )


def question_prompt(name: str, wish: Wish) -> str:
    return _("{name}, please type your question about wish {ref} for the household.").format(
        name=name, ref=wish_ref(wish)
    )


def changed_text() -> str:
    return _("This wish changed since. Here it is now.")


def words_first_text() -> str:
    return _(
        "Neighbours read only words: please write the wish in words first (“✏️ Change the words”)."
    )


def private_only_text() -> str:
    return _("Please use this in your private chat with me.")


def gone_text() -> str:
    return _("Sorry, that wish is no longer there.")


def only_coordinators_text() -> str:
    return _("Only coordinators can do this.")


def question_sent_text() -> str:
    return _("✅ Sent to the household. Their answer will come here.")


def words_changed_text() -> str:
    return _("✅ The words were changed.")


def no_household_member_text() -> str:
    return _("Nobody of this household uses the bot: please ask them yourself.")


def type_please() -> str:
    return _("Please type it in words ✍️.")


# to the household


def approved_notice(wish: Wish) -> str:
    return _("🌟 Your wish {ref} was checked. Neighbours can light it now.").format(
        ref=wish_ref(wish)
    )


def declined_notice(wish: Wish) -> str:
    return _(
        "Your wish {ref} could not be taken on this time. The coordinators will gladly talk "
        "it over with you."
    ).format(ref=wish_ref(wish))


def question_notice(wish: Wish, question: str) -> str:
    return _("❓ A question from the coordinators about your wish {ref}:\n{question}").format(
        ref=wish_ref(wish), question=html.quote(in_reader_script(question))
    )


def answer_keyboard(wish: Wish) -> InlineKeyboardMarkup:
    return one_per_row(
        [wish_button(_("✍️ Answer"), WishAction(action="answer", wish_id=wish.id).pack())]
    )


def answer_question() -> str:
    return _("Please type your answer, or send a voice message 🎙")


def answer_sent_text() -> str:
    return _("✅ Thank you, your answer was sent to the coordinators.")


def answer_notice(wish: Wish, answer: str) -> str:
    return _("💬 The household's answer about wish {ref}:\n{answer}").format(
        ref=wish_ref(wish), answer=html.quote(in_reader_script(answer)) if answer else "🎙"
    )


def lit_notice(wish: Wish) -> str:
    return _("🕯 A neighbour lit your wish {ref}! They will bring it within the next days.").format(
        ref=wish_ref(wish)
    )


def arrived_notice(wish: Wish, pickup_point: str) -> str:
    if wish.delivery is WishDelivery.PICKUP:
        text = _("📦 Your wish {ref} is waiting for you at the pick-up point: {place}.").format(
            ref=wish_ref(wish), place=html.quote(pickup_point or "—")
        )
    else:
        text = _("📦 The neighbour says your wish {ref} was brought to you.").format(
            ref=wish_ref(wish)
        )
    return text + "\n" + _("When you have it, please tap below.")


def received_keyboard(wish: Wish) -> InlineKeyboardMarkup:
    return one_per_row(
        [wish_button(_("✅ I received it"), WishAction(action="got", wish_id=wish.id).pack())]
    )


def received_text() -> str:
    return _(
        "✅ Thank you for telling me. Would you like to thank the neighbour? Send a voice "
        "message 🎙, a photo or a few words: it reaches them. Or just tap “✖️ Stop”."
    )


def thanks_question() -> str:
    return _("Send your thanks: a voice message 🎙, a photo or a few words.")


def thanks_sent_text() -> str:
    return _("💐 Your thanks are on their way to the neighbour.")


# to donors


def donor_card(wish: Wish) -> str:
    """What a donor sees: the form of address, the age band, the approved words, the area.
    Never the household's label, code or address."""
    lines = [
        _("🌟 {name}, {age}").format(
            name=html.quote(in_reader_script(wish.address_as)), age=age_label(wish.age_band)
        ),
        kind_label(wish.kind),
    ]
    if wish.description:
        lines.append("💬 " + wish_words(wish.description))
    if wish.value_yuan:
        lines.append("💰 " + value_label(wish.value_yuan))
    if wish.area:
        lines.append("📍 " + html.quote(wish.area))
    return "\n".join(lines)


def group_announcement(wish: Wish) -> str:
    return (
        _("🌟 A new wish of a neighbour waits to be lit:")
        + "\n\n"
        + donor_card(wish)
        + "\n\n"
        + _("To light it, tap “🕯 Light a wish” in your chat with me.")
    )


def light_keyboard(wish: Wish) -> InlineKeyboardMarkup:
    return one_per_row(
        [
            wish_button(
                _("🕯 I'll light this"),
                WishAction(action="light", wish_id=wish.id, version=wish.version).pack(),
            )
        ]
    )


def wishes_header(total: int) -> str:
    if not total:
        return _("🌟 There is no wish waiting to be lit just now. Thank you for looking!")
    return _("🌟 Wishes of neighbours waiting to be lit: {count}").format(count=total)


def more_keyboard(offset: int) -> InlineKeyboardMarkup:
    return one_per_row(
        [wish_button(_("➡️ More wishes"), WishAction(action="more", wish_id=offset).pack())]
    )


def lit_card(wish: Wish, due: str, pickup_point: str) -> str:
    text = (
        donor_card(wish)
        + "\n\n"
        + _("🕯 You lit this wish. Thank you! Please bring it by {date}.").format(date=due)
    )
    if pickup_point:
        text += "\n" + _("You can leave it at the pick-up point: {place}.").format(
            place=html.quote(pickup_point)
        )
    text += "\n" + _("Or a coordinator will tell you how to hand it over.")
    return text


def lit_keyboard(wish: Wish, pickup_point: str) -> InlineKeyboardMarkup:
    def button(text: str, action: str) -> InlineKeyboardButton:
        return wish_button(
            text, WishAction(action=action, wish_id=wish.id, version=wish.version).pack()
        )

    buttons = [button(_("📦 Delivered"), "given")]
    if pickup_point:
        buttons.append(button(_("🏪 Left at the pick-up point"), "pickup"))
    buttons.append(button(_("↩️ I can't after all"), "release"))
    return one_per_row(buttons)


def due_label(moment: datetime | None) -> str:
    return date_label(moment) if moment else "—"


def taken_text() -> str:
    return _(
        "Another neighbour lit this wish just before you. Thank you all the same! 💛 "
        "Here are other wishes:"
    )


def only_volunteers_text() -> str:
    return _("This wish asks for a volunteer's time: only approved volunteers can light it.")


def released_card(wish: Wish) -> str:
    return (
        donor_card(wish)
        + "\n\n"
        + _("↩️ You gave it back. Thank you for telling us; another neighbour can light it now.")
    )


def delivered_card(wish: Wish) -> str:
    return (
        donor_card(wish) + "\n\n" + _("📦 Thank you! The household will confirm they received it.")
    )


def reminder(wish: Wish, due: str) -> str:
    return _(
        "🔔 A reminder: you lit the wish of {name} (“{words}”). Please bring it by {date}, or "
        "tap “↩️ I can't after all” so another neighbour can."
    ).format(
        name=html.quote(in_reader_script(wish.address_as)),
        words=wish_words(wish.description),
        date=due,
    )


def lapsed_to_donor(wish: Wish) -> str:
    return _(
        "The time for the wish of {name} has passed, so it went back for another neighbour to "
        "light. No worries, thank you for your kindness 💛"
    ).format(name=html.quote(in_reader_script(wish.address_as)))


def received_to_donor(wish: Wish) -> str:
    return _("💐 {name} received your gift (wish {ref}). Thank you for lighting it!").format(
        name=html.quote(in_reader_script(wish.address_as)), ref=wish_ref(wish)
    )


def thanks_to_donor(wish: Wish, words: str) -> str:
    text = _("💐 Thanks from {name}:").format(name=html.quote(in_reader_script(wish.address_as)))
    if words:
        text += "\n" + html.quote(in_reader_script(words))
    return text


# to coordinators


def lit_to_coordinators(wish: Wish, household: Household | None, donor: User) -> str:
    return _("🕯 Wish {ref} ({home}) was lit by {name}, to bring by {date}.").format(
        ref=wish_ref(wish),
        home=household.code if household else "—",
        name=html.quote(donor.display_name or "—"),
        date=due_label(wish.due_at),
    )


def released_to_coordinators(wish: Wish, household: Household | None) -> str:
    return _("↩️ Wish {ref} ({home}) was given back by its neighbour: it can be lit again.").format(
        ref=wish_ref(wish), home=household.code if household else "—"
    )


def lapsed_to_coordinators(wish: Wish, household: Household | None) -> str:
    return _(
        "⏰ Wish {ref} ({home}) was not brought in time: it went back to be lit again."
    ).format(ref=wish_ref(wish), home=household.code if household else "—")


def delivered_to_coordinators(wish: Wish, household: Household | None) -> str:
    how = (
        _("at the pick-up point") if wish.delivery is WishDelivery.PICKUP else _("to the household")
    )
    return _("📦 Wish {ref} ({home}) was brought {how}.").format(
        ref=wish_ref(wish), home=household.code if household else "—", how=how
    )


def received_to_coordinators(wish: Wish, household: Household | None) -> str:
    return _("✅ Wish {ref} ({home}) was received.").format(
        ref=wish_ref(wish), home=household.code if household else "—"
    )


def media_caption(wish: Wish) -> str:
    return _("🎙 With wish {ref}").format(ref=wish_ref(wish))


def words_placeholder() -> str:
    return _("The wish in a few words")


def question_placeholder() -> str:
    return _("Your question for the household")


def question_by_voice(wish: Wish) -> str:
    return _("❓ The coordinators' question about your wish {ref}, by voice.").format(
        ref=wish_ref(wish)
    )


def more_text(left: int) -> str:
    return _("{count} more wishes are waiting.").format(count=left)


def thank_you_text() -> str:
    return _("Thank you! 🕯")


def thanks_placeholder() -> str:
    return _("Your thanks")


def answer_placeholder() -> str:
    return _("Your answer")


def too_long_text() -> str:
    return _("That is a bit long, or empty. Please say it again in fewer words.")


def voice_or_words_please() -> str:
    return _("Please send a voice message 🎙, a photo or a few words.")
