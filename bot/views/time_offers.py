"""Words and buttons of offering one's time (爱心时间 as a gift): the few taps of the offerer,
the coordinators' list with its Match and Done buttons, and what the offerer is told. The
coordinators read the offerer's first name, what, how long and when: never a phone or an
address; the offerer reads of a request only its kind and its number."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import OfferAction, OfferStep
from bot.services.requests import reference
from bot.services.time_offers import FREE_WHEN, KINDS
from bot.views.keyboards import one_per_row
from bot.views.texts import category_label, duration_label, first_name
from bot.views.words import in_reader_script
from storage.models import HelpRequest, OfferStatus, TimeOffer, User, Wish

MINUTE_CHOICES = (30, 60, 120, 240)
LABEL_SHOWN = 60


def kind_label(kind: str) -> str:
    labels = {
        "company": _("☕ Keeping an elder company"),
        "phone": _("📱 Teaching how to use a phone"),
        "errands": _("🛒 Errands and shopping"),
        "repairs": _("🔧 Small repairs"),
        "calls": _("📞 A friendly phone call"),
    }
    return labels.get(kind, kind)


def when_label(code: str) -> str:
    labels = {
        "mornings": _("🌅 Weekday mornings"),
        "afternoons": _("☀️ Weekday afternoons"),
        "evenings": _("🌙 Weekday evenings"),
        "weekends": _("🗓 Weekends"),
    }
    return labels.get(code, code)


def what_of(offer: TimeOffer) -> str:
    """What is offered: the kind tapped and their own words (quoted, in the reader's script)."""
    parts = [kind_label(offer.kind)] if offer.kind else []
    if offer.words:
        parts.append(html.quote(in_reader_script(offer.words)))
    return " · ".join(parts)


def when_of(offer: TimeOffer) -> str:
    if offer.free_when:
        return when_label(offer.free_when)
    return html.quote(in_reader_script(offer.free_words)) or _("any time")


def offer_line(offer: TimeOffer) -> str:
    return f"{what_of(offer)} · {duration_label(offer.minutes)} · {when_of(offer)}"


# the offerer


def what_question() -> str:
    return _(
        "🤝 Thank you for offering your time! What could you give? Tap one, or write it in a "
        "few words (for example “half an hour keeping an elder company”)."
    )


def kind_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        InlineKeyboardButton(
            text=kind_label(kind), callback_data=OfferStep(field="kind", value=kind).pack()
        )
        for kind in KINDS
    )


def minutes_question() -> str:
    return _("How long could you give? Tap one, or write it (for example 45 minutes).")


def minutes_not_understood() -> str:
    return _("Sorry, I did not understand how long. Tap one, or write it like “1 hour”.")


def minutes_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        InlineKeyboardButton(
            text=duration_label(minutes),
            callback_data=OfferStep(field="min", value=str(minutes)).pack(),
        )
        for minutes in MINUTE_CHOICES
    )


def when_question() -> str:
    return _("When are you usually free? Tap one, or write it in a few words.")


def when_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        InlineKeyboardButton(
            text=when_label(code), callback_data=OfferStep(field="when", value=code).pack()
        )
        for code in FREE_WHEN
    )


def too_long_text(limit: int) -> str:
    return _("That is a bit long: please say it in at most {limit} characters.").format(limit=limit)


def saved_text(offer: TimeOffer) -> str:
    return _(
        "✅ Thank you! Your offer is with the coordinators:\n{offer}\n"
        "They will tell you when they find a good match."
    ).format(offer=offer_line(offer))


def own_offers_text(offers: Sequence[TimeOffer]) -> str:
    lines = "\n".join(f"• {offer_line(offer)}" for offer in offers)
    return _("Your offers of time still open:\n{lines}").format(lines=lines)


def withdraw_keyboard(offers: Sequence[TimeOffer]) -> InlineKeyboardMarkup:
    return one_per_row(
        InlineKeyboardButton(
            text=_("↩️ Withdraw: {offer}").format(
                offer=f"{duration_label(offer.minutes)} · {when_of(offer)}"
            )[:LABEL_SHOWN],
            callback_data=OfferAction(
                action="withdraw", offer_id=offer.id, version=offer.version
            ).pack(),
        )
        for offer in offers
    )


def withdrawn_text() -> str:
    return _("Your offer is withdrawn. Thank you all the same!")


def offer_button_label() -> str:
    return _("🤝 Offer my time")


def offer_start_button() -> InlineKeyboardButton:
    """Under the nudge to give back: straight into offering time."""
    return InlineKeyboardButton(
        text=offer_button_label(), callback_data=OfferStep(field="start").pack()
    )


def matched_to_request_notice(offer: TimeOffer, request: HelpRequest, assigned: bool) -> str:
    if assigned:
        return _(
            "🤝 Your offer ({offer}) is matched to request no. {ref} ({kind}): it is yours now, "
            "its details are in the message about the task."
        ).format(
            offer=offer_line(offer), ref=reference(request), kind=category_label(request.category)
        )
    return _(
        "🤝 Your offer ({offer}) is matched to a neighbour's request ({kind}). A coordinator "
        "will call you to arrange it. Thank you!"
    ).format(offer=offer_line(offer), kind=category_label(request.category))  # fmt: skip


def matched_to_wish_notice(offer: TimeOffer, wish: Wish) -> str:
    return _(
        "🤝 Your offer ({offer}) is matched to a small wish of {name}: “{words}”. It is yours "
        "now, thank you!"
    ).format(
        offer=offer_line(offer),
        name=html.quote(wish.address_as),
        words=html.quote(in_reader_script(wish.description)),
    )


def credited_notice(offer: TimeOffer) -> str:
    return _(
        "🙏 Thank you for the time you gave! {time} were credited to your time account "
        "(“⏱ My hours”)."
    ).format(time=duration_label(offer.minutes))


def withdrawn_notice(offer: TimeOffer, offerer: User) -> str:
    return _("↩️ {name} withdrew an offer of time: {offer}").format(
        name=html.quote(first_name(offerer)), offer=offer_line(offer)
    )


def new_offer_notice(offer: TimeOffer, offerer: User) -> str:
    """To the coordinators: the kind and time only (their words are read in /offers)."""
    kind = kind_label(offer.kind) if offer.kind else _("in their own words")
    return _("🤝 {name} offers time: {kind} · {time} (“🤝 Offers of time” in your menu)").format(
        name=html.quote(first_name(offerer)), kind=kind, time=duration_label(offer.minutes)
    )


# the coordinators


def no_offers_text() -> str:
    return _("No offers of time are open in your communities right now.")


def offers_title(count: int) -> str:
    return _("🤝 Offers of time ({count}):").format(count=count)


def status_label(status: OfferStatus) -> str:
    labels = {
        OfferStatus.OPEN: _("waiting for a match"),
        OfferStatus.MATCHED: _("matched"),
        OfferStatus.DONE: _("given and credited"),
        OfferStatus.WITHDRAWN: _("withdrawn"),
    }
    return labels[status]


def offer_card(offer: TimeOffer, offerer: User, note: str = "") -> str:
    text = _("🤝 {name} offers: {what}\nHow long: {time}\nFree: {when}\nStatus: {status}").format(
        name=html.quote(first_name(offerer)),
        what=what_of(offer),
        time=duration_label(offer.minutes),
        when=when_of(offer),
        status=status_label(offer.status),
    )
    if offer.request_id:
        text += "\n" + _("Matched to request no. {ref}").format(ref=offer.request_id)
    if offer.wish_id:
        text += "\n" + _("Matched to wish no. {ref}").format(ref=offer.wish_id)
    return f"{text}\n\n<b>{html.quote(note)}</b>" if note else text


def offer_keyboard(offer: TimeOffer, *, may_take_wish: bool) -> InlineKeyboardMarkup | None:
    def button(text: str, action: str) -> InlineKeyboardButton:
        data = OfferAction(action=action, offer_id=offer.id, version=offer.version)
        return InlineKeyboardButton(text=text, callback_data=data.pack())

    buttons = []
    if offer.status is OfferStatus.OPEN:
        buttons.append(button(_("🔗 Match to a request"), "req"))
        if may_take_wish:
            buttons.append(button(_("🌟 Match to a wish"), "wish"))
    if offer.status in (OfferStatus.OPEN, OfferStatus.MATCHED):
        buttons.append(button(_("✅ Done: credit time"), "done"))
    return one_per_row(buttons) if buttons else None


def request_picker(
    offer: TimeOffer, requests: Sequence[HelpRequest]
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not requests:
        return _("No request of this community is waiting right now."), None
    buttons = [
        InlineKeyboardButton(
            text=_("No. {ref} · {kind} · {area}").format(
                ref=reference(request), kind=category_label(request.category), area=request.area
            )[:LABEL_SHOWN],
            callback_data=OfferAction(
                action="reqpick", offer_id=offer.id, version=offer.version, value=request.id
            ).pack(),
        )
        for request in requests
    ]
    return _("Which request should this offer go to?"), one_per_row(buttons)


def wish_picker(
    offer: TimeOffer, wishes: Sequence[Wish]
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not wishes:
        return _("No service wish of this community is open right now."), None
    buttons = [
        InlineKeyboardButton(
            text=f"🌟 {wish.address_as} · {in_reader_script(wish.description)}"[:LABEL_SHOWN],
            callback_data=OfferAction(
                action="wishpick", offer_id=offer.id, version=offer.version, value=wish.id
            ).pack(),
        )
        for wish in wishes
    ]
    return _("Which wish should this offer go to?"), one_per_row(buttons)


def matched_note(coordinator: User) -> str:
    return _("🔗 Matched by {name}").format(name=first_name(coordinator))


def credited_note(offer: TimeOffer, coordinator: User) -> str:
    return _("✅ {time} credited by {name}").format(
        time=duration_label(offer.minutes), name=first_name(coordinator)
    )


def already_done_text(offer: TimeOffer) -> str:
    if offer.status is OfferStatus.DONE:
        return _("This offer was already credited: nothing more was added.")
    if offer.status is OfferStatus.WITHDRAWN:
        return _("This offer was withdrawn.")
    return _("This offer changed meanwhile: here it is as it is now.")


def only_volunteers_for_wishes() -> str:
    return _("Only an approved volunteer can take on a service wish.")


def private_only_text() -> str:
    return _("Please use this in your private chat with me.")


def only_coordinators_text() -> str:
    return _("Only coordinators match offers of time.")
