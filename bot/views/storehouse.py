"""Words and buttons of the storehouse (义仓), for its coordinators: the stock with its flags
(⚠️ low, ⏳ food expiring within a week), goods received and given, and the questions of those
wizards. Households are named as their coordinators know them (these go to coordinators only,
in their private chat); a donor's name is theirs alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import StoreStep
from bot.services.errors import DomainError
from bot.services.storehouse import (
    ItemNameInvalid,
    ItemNameTaken,
    ItemStock,
    NotEnoughStock,
    QuantityInvalid,
    WishNotLightable,
)
from bot.views import households
from bot.views.households import household_label
from bot.views.keyboards import one_per_row
from storage.models import Household, StoreItem, StorePledge


def store_button() -> InlineKeyboardButton:
    """The way in from the fund's menu (the coordinators' menu is long already)."""
    return button(_("🌾 The storehouse (goods)"), "menu")


def button(text: str, action: str, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=StoreStep(action=action, value=value).pack()
    )


def amount(quantity: int, item: StoreItem) -> str:
    """ "7 kg", "3 袋"."""
    return f"{quantity} {html.quote(item.unit)}"


def day_label(day: date) -> str:
    return day.isoformat()


def stock_line(line: ItemStock) -> str:
    """ "⚠️ 大米: 2 kg (low: at or below 2)", "⏳ 食用油: 7 L, 3 L expire by 2026-03-07"."""
    item = line.item
    text = _("{name}: {amount}").format(name=html.quote(item.name), amount=amount(item.stock, item))
    marks = []
    if line.low:
        text = "⚠️ " + text
        marks.append(_("low: at or below {amount}").format(amount=amount(item.low_at, item)))
    if line.expiring and line.expires_first is not None:
        text = "⏳ " + text
        marks.append(
            _("{amount} expire by {day}").format(
                amount=amount(line.expiring, item), day=day_label(line.expires_first)
            )
        )
    return text + (f" ({'; '.join(marks)})" if marks else "")


def menu_text(lines: Sequence[ItemStock]) -> str:
    """The stock at a glance: what is low or expiring said first (no other reminder is sent)."""
    text = [_("🌾 The storehouse")]
    if not lines:
        text.append(
            _("Nothing is recorded yet. Tap “➕ Goods received” to record the first goods.")
        )
    else:
        low = sum(line.low for line in lines)
        expiring = sum(bool(line.expiring) for line in lines)
        if low:
            text.append(_("⚠️ Low stock: {count}").format(count=low))
        if expiring:
            text.append(_("⏳ Food expiring within a week: {count}").format(count=expiring))
        text.append("")
        text += [stock_line(line) for line in lines]
    return "\n".join(text)


def menu_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            button(_("➕ Goods received"), "in"),
            button(_("➖ Given to a household"), "out"),
            button(_("🌟 Light a wish from the storehouse"), "wish"),
            button(_("🤝 Pledges"), "pledges"),
        ]
    )


def several_communities_text() -> str:
    return _(
        "You look after several communities: each community's storehouse is kept by its own "
        "coordinators."
    )


def coordinators_only_text() -> str:
    return _("Only the community's coordinators keep the storehouse.")


def item_question(
    items: Sequence[StoreItem], *, new: bool, text: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Which goods: one button each (with what is in stock), and "a new kind" when receiving."""
    buttons = [
        button(f"{item.name} · {item.stock} {item.unit}"[:60], "item", item.id) for item in items
    ]
    if new:
        buttons.append(button(_("🆕 A new kind of goods"), "new"))
    if not buttons:
        return _("Nothing is in the storehouse yet: record goods received first."), None
    return text or _("Which goods?"), one_per_row(buttons)


def new_name_question() -> str:
    return _("What is it called? For example: rice, cooking oil, winter blanket.")


def new_unit_question() -> str:
    return _("In what unit do you count it? For example: kg, bag, bottle, piece.")


def food_question() -> tuple[str, InlineKeyboardMarkup]:
    return _("Is it food, with an expiry date?"), one_per_row(
        [button(_("🍚 Yes, food"), "food", 1), button(_("📦 No"), "food", 0)]
    )


def low_question(unit: str) -> str:
    return _(
        "When should I flag it as low? Write the amount in {unit}, for example 5 (0: never)."
    ).format(unit=html.quote(unit))


def quantity_question(item: StoreItem, *, received: bool) -> str:
    if received:
        return _("How much {name} came in? Write the amount in {unit}, for example 10.").format(
            name=html.quote(item.name), unit=html.quote(item.unit)
        )
    return _("How much {name}? In stock: {amount}. Write the amount, for example 3.").format(
        name=html.quote(item.name), amount=amount(item.stock, item)
    )


def type_quantity_text() -> str:
    return _("Please write a whole number, for example 3.")


def expiry_question() -> tuple[str, InlineKeyboardMarkup]:
    return _("When does it expire? Write the date, for example 2026-03-15 or 3-15, or tap:"), (
        one_per_row([button(_("⏭ No expiry date"), "noexp")])
    )


def type_date_text() -> str:
    return _("Please write a date, for example 2026-03-15 or 3-15.")


def donor_question(pledges: Sequence[tuple[StorePledge, str]]) -> tuple[str, InlineKeyboardMarkup]:
    """Anonymous, or one of this item's pledges (`pledges`: each with its pledger's name)."""
    buttons = [button(_("🙈 Anonymous"), "anon")]
    buttons += [
        button(_("🤝 Pledged by {who}").format(who=who)[:60], "pledge", pledge.id)
        for pledge, who in pledges
    ]
    return _("Who gave it? Write the donor's name (only coordinators see it), or tap:"), (
        one_per_row(buttons)
    )


def received_text(item: StoreItem, quantity: int, donor: str | None) -> str:
    who = html.quote(donor) if donor else _("anonymous")
    return _("✅ Recorded: {amount} of {name} received ({donor}). In stock now: {stock}.").format(
        amount=amount(quantity, item), name=html.quote(item.name), donor=who,
        stock=amount(item.stock, item),
    )  # fmt: skip


def household_question(
    homes: list[Household], page: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    return households.household_question(
        homes,
        page,
        lambda home: StoreStep(action="hh", value=home.id).pack(),
        lambda other: StoreStep(action="hhpage", value=other).pack(),
    )


def given_text(item: StoreItem, quantity: int, household: Household) -> str:
    return _("✅ Recorded: {amount} of {name} given to {household}. Left: {stock}.").format(
        amount=amount(quantity, item), name=html.quote(item.name),
        household=html.quote(household_label(household)), stock=amount(item.stock, item),
    )  # fmt: skip


def too_long_text(limit: int) -> str:
    return _("That is a bit long. Please keep it to {limit} characters.").format(limit=limit)


def store_error_text(error: DomainError) -> str:
    """A rule of the storehouse said no (a stale or forged button is the handlers' answer)."""
    if isinstance(error, NotEnoughStock):
        return _("Not enough in stock: only {amount} left. Nothing was recorded.").format(
            amount=amount(error.stock, error.item)
        )
    if isinstance(error, QuantityInvalid):
        return type_quantity_text()
    if isinstance(error, ItemNameTaken):
        return _("“{name}” is in the storehouse already.").format(name=html.quote(error.item.name))
    if isinstance(error, ItemNameInvalid):
        return too_long_text(32)
    if isinstance(error, WishNotLightable):
        return _("This wish is no longer open: a neighbour may have lit it. Nothing was recorded.")
    return coordinators_only_text()
