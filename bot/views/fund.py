"""Words and buttons of the mutual-aid fund: amounts of money, payout categories, the public
ledger (household codes, amounts and categories only: "A17 · ¥300 · 医疗"), and the
coordinators' payout card with its approval buttons (there the household's label may show:
it goes to coordinators only)."""

from __future__ import annotations

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import PayoutAction
from bot.services.errors import DomainError
from bot.services.fund import (
    AmountInvalid,
    ApprovedAlready,
    CategoryInvalid,
    FundTooLow,
    PayoutDecided,
    PayoutNotFound,
    PublicLedger,
    SelfApproval,
)
from bot.views.keyboards import one_per_row
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
    if ledger.payouts:
        lines.append("")
        lines.append(_("Payouts (each household by its code only):"))
        lines += [
            public_payout_line(p.code, p.amount, p.category, ledger.currency)
            for p in ledger.payouts
        ]
    else:
        lines.append(_("No payouts in this period."))
    return "\n".join(lines)


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
            amount=money(error.balance)
        )
    if isinstance(error, AmountInvalid):
        return _("Please write an amount of money, for example 300 or 300.50.")
    if isinstance(error, CategoryInvalid | PayoutNotFound):
        return _("This button is no longer active. Please use the latest message.")
    return _("Only the community's coordinators keep the fund.")
