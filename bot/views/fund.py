"""Words and buttons of the mutual-aid fund: amounts of money, payout categories, the public
ledger (household codes, amounts and categories only: "A17 · ¥300 · 医疗"), and the
coordinators' payout card with its approval buttons (there the household's label may show:
it goes to coordinators only)."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import FundCampaignStep, FundStep, PayoutAction
from bot.services.errors import DomainError
from bot.services.fund import (
    AmountInvalid,
    ApprovedAlready,
    FundTooLow,
    PayoutDecided,
    SelfApproval,
)
from bot.services.fund_reports import PublicCorrection, PublicLedger
from bot.views import households
from bot.views.keyboards import one_per_row
from bot.views.storehouse import store_button
from storage.models import FundPayout, Household, PayoutStatus

SYMBOLS = {"CNY": "¥", "HKD": "HK$", "TWD": "NT$", "USD": "$", "EUR": "€"}


def money(fen: int, currency: str = "CNY") -> str:
    """¥300, ¥300.50: whole amounts without the fen."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    symbol = SYMBOLS.get(currency, f"{currency} ")
    return f"{sign}{symbol}{whole:,}" + (f".{part:02d}" if part else "")


def category_label(category: str) -> str:
    labels = {
        "medical": _("medical"),
        "food": _("food"),
        "housing": _("housing"),
        "education": _("education"),
        "funeral": _("funeral"),
        "other": _("other"),
    }
    return labels.get(category, labels["other"])


def public_payout_line(code: str, fen: int, category: str, currency: str) -> str:
    return f"{code} · {money(fen, currency)} · {category_label(category)}"


def public_ledger_text(ledger: PublicLedger, community_name: str, period: str) -> str:
    """What residents and the group read: nothing but codes, amounts and categories."""
    lines = [
        _("💰 Mutual-aid fund of {community}, {period}").format(
            community=html.quote(community_name), period=period
        ),
        _("Received: {amount}").format(amount=money(ledger.received, ledger.currency)),
        _("Paid out: {amount}").format(amount=money(ledger.paid_out, ledger.currency)),
        _("In the fund now: {amount}").format(amount=money(ledger.balance, ledger.currency)),
    ]
    if ledger.corrections:
        lines.insert(
            3,
            _("Corrections (mistakes undone): {amount}").format(
                amount=money(ledger.corrections, ledger.currency)
            ),
        )
    if ledger.payouts:
        lines.append("")
        lines.append(_("Payouts (each household by its code only):"))
        lines += [
            public_payout_line(p.code, p.amount, p.category, ledger.currency)
            for p in ledger.payouts
        ]
    else:
        lines.append(_("No payouts in this period."))
    if ledger.corrected:
        lines.append("")
        lines += [correction_line(c, ledger.currency) for c in ledger.corrected]
    return "\n".join(lines)


def correction_line(correction: PublicCorrection, currency: str) -> str:
    """A mistake undone, by code and category only: "↩️ Undone: A1 · ¥300 · medical"."""
    if correction.code is not None:
        what = public_payout_line(
            correction.code, correction.amount, correction.category or "other", currency
        )
        return _("↩️ Undone, a payout recorded by mistake: {what}").format(what=what)
    return _("↩️ Undone, money received recorded by mistake: {amount}").format(
        amount=money(correction.amount, currency)
    )


def payout_card(payout: FundPayout, household: Household, currency: str = "CNY") -> str:
    """For the community's coordinators only (the household's label is theirs to see)."""
    status = {
        PayoutStatus.PENDING: (
            _("waiting for a second approval")
            if payout.first_approver_id
            else _("waiting for two approvals")
        ),
        PayoutStatus.PAID: _("approved twice and recorded as paid"),
        PayoutStatus.CANCELLED: _("cancelled"),
    }[payout.status]
    text = _(
        "🤝 Payout no. {ref} from the fund\nHousehold: {code} ({label})\nAmount: {amount}\n"
        "For: {category}\nStatus: {status}"
    ).format(
        ref=payout.id,
        code=household.code,
        label=html.quote(household.label),
        amount=money(payout.amount, currency),
        category=category_label(payout.category),
        status=status,
    )
    if payout.note:
        text += "\n" + _("Note: {note}").format(note=html.quote(payout.note))
    return text


def approval_keyboard(payout: FundPayout) -> InlineKeyboardMarkup | None:
    if payout.status is not PayoutStatus.PENDING:
        return None
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("✅ Approve this payout"),
                callback_data=PayoutAction(action="approve", payout_id=payout.id).pack(),
            ),
            InlineKeyboardButton(
                text=_("✖️ Cancel this payout"),
                callback_data=PayoutAction(action="cancel", payout_id=payout.id).pack(),
            ),
        ]
    )


def fund_error_text(error: DomainError) -> str:
    """A rule of the fund said no (a stale or forged button is the handlers' own answer)."""
    if isinstance(error, SelfApproval):
        return _("You asked for this payout, so two other coordinators approve it.")
    if isinstance(error, ApprovedAlready):
        return _("You approved it already. Another coordinator gives the second approval.")
    if isinstance(error, PayoutDecided):
        return (
            _("This payout was approved and paid already.")
            if error.status is PayoutStatus.PAID
            else _("This payout was cancelled.")
        )
    if isinstance(error, FundTooLow):
        return _("The fund holds only {amount}: not enough for this payout.").format(
            amount=money(error.balance, error.currency)
        )
    if isinstance(error, AmountInvalid):
        return _("Please write an amount of money, for example 300 or 300.50.")
    return _("Only the community's coordinators keep the fund.")


# ---- the coordinators' menu and wizards -----------------------------------------------------


def menu_text(balance: int, currency: str = "CNY") -> str:
    return _(
        "💰 Mutual-aid fund\nIn the fund now: {amount}\n\nThe bot takes no money: record here "
        "what you received and what you paid out."
    ).format(amount=money(balance, currency))


def menu_keyboard() -> InlineKeyboardMarkup:
    items = (
        ("in", _("💴 Record money received")),
        ("out", _("🤝 Pay out to a household")),
        ("public", _("📄 The public ledger of this month")),
        ("csv", _("📥 Export the whole ledger (CSV)")),
    )
    buttons = [
        InlineKeyboardButton(text=label, callback_data=FundStep(action=action).pack())
        for action, label in items
    ]
    campaigns = InlineKeyboardButton(
        text=_("📣 Campaigns"), callback_data=FundCampaignStep(action="list").pack()
    )
    return one_per_row([*buttons[:2], campaigns, *buttons[2:], store_button()])


def several_communities_text() -> str:
    return _(
        "You look after several communities: each community's fund is kept by its own coordinators."
    )


def amount_question(received: bool) -> str:
    return (
        _("How much did you receive? Write the amount, for example 300 or 300.50.")
        if received
        else _("How much should the household receive? Write the amount, for example 300.")
    )


def donor_question() -> tuple[str, InlineKeyboardMarkup]:
    return _(
        "Who gave it? Write the donor's name (only coordinators see it), or tap:"
    ), one_per_row(
        [InlineKeyboardButton(text=_("🙈 Anonymous"), callback_data=FundStep(action="anon").pack())]
    )


def receipt_question() -> tuple[str, InlineKeyboardMarkup]:
    return _("Please send a photo of the receipt, or tap:"), one_per_row(
        [
            InlineKeyboardButton(
                text=_("⏭ No receipt photo"), callback_data=FundStep(action="norcpt").pack()
            )
        ]
    )


def received_text(
    fen: int, donor: str | None, currency: str = "CNY", campaign: str | None = None
) -> str:
    who = html.quote(donor) if donor else _("anonymous")
    text = _("✅ Recorded: {amount} received ({donor}).").format(
        amount=money(fen, currency), donor=who
    )
    if campaign is not None:
        text += "\n" + _("Towards the campaign “{title}”.").format(title=html.quote(campaign))
    return text


def household_question(
    homes: list[Household], page: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    return households.household_question(
        homes,
        page,
        lambda home: FundStep(action="hh", value=home.id).pack(),
        lambda other: FundStep(action="hhpage", value=other).pack(),
    )


def category_question(categories: tuple[str, ...]) -> tuple[str, InlineKeyboardMarkup]:
    return _("What is it for? (The public ledger shows this.)"), one_per_row(
        InlineKeyboardButton(
            text=category_label(category), callback_data=FundStep(action="cat", value=n).pack()
        )
        for n, category in enumerate(categories)
    )


def note_question() -> tuple[str, InlineKeyboardMarkup]:
    return _("A note for the coordinators (never shown publicly), or tap:"), one_per_row(
        [InlineKeyboardButton(text=_("⏭ No note"), callback_data=FundStep(action="nonote").pack())]
    )


def asked_text() -> str:
    return _("✅ Asked. Two other coordinators approve it with the buttons on its card.")


def paid_text(payout: FundPayout, household: Household, currency: str = "CNY") -> str:
    """To the coordinators: approved twice, recorded as paid (by code only: it may be a group)."""
    return _("✅ Payout no. {ref} ({code} · {amount}) approved twice: recorded as paid.").format(
        ref=payout.id, code=household.code, amount=money(payout.amount, currency)
    )


def type_amount_text() -> str:
    return _("Please write an amount of money, for example 300 or 300.50.")
