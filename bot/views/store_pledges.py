"""Words and buttons of the storehouse's pledges (a household's or a shop's recurring gift)
and of lighting a wish from the storehouse, for its coordinators; and the friendly reminder a
pledging household reads when its gift is due."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import html
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.services.store_pledges import PledgeLine, pledger_name
from bot.views.keyboards import one_per_row
from bot.views.storehouse import amount, button, day_label
from storage.models import PledgeCadence, StoreItem, StorePledge, Wish


def cadence_label(pledge: StorePledge) -> str:
    if pledge.cadence is PledgeCadence.MONTHLY:
        return _("every month")
    if pledge.every_days == 7:
        return _("every week")
    return _("every {days} days").format(days=pledge.every_days)


def pledges_text(lines: Sequence[PledgeLine], month: str) -> str:
    """Each pledge: who, what, how often, next due; this month expected against received."""
    if not lines:
        return _("🤝 No pledges yet. A household or a shop can promise a gift that comes back, "
                 "like a bag of rice every month.")  # fmt: skip
    text = [_("🤝 Pledges, {month}: received / expected").format(month=month)]
    for line in lines:
        mark = "⚠️ " if line.received < line.expected else ""
        who = html.quote(pledger_name(line.pledge, line.household))
        text.append(
            _("{mark}{who}: {amount} of {name} {every}; next due {day}; {received} / {expected}")
            .format(
                mark=mark, who=who,
                amount=amount(line.pledge.quantity, line.item), name=html.quote(line.item.name),
                every=cadence_label(line.pledge), day=day_label(line.pledge.next_due_on),
                received=line.received, expected=line.expected,
            )
        )  # fmt: skip
    return "\n".join(text)


def pledges_keyboard() -> InlineKeyboardMarkup:
    return one_per_row([button(_("➕ A new pledge"), "newpledge")])


def who_question(markup: InlineKeyboardMarkup | None) -> tuple[str, InlineKeyboardMarkup]:
    """Which household pledges (the household picker), or a shop."""
    shop = button(_("🏪 A shop (type its name)"), "shop")
    rows = [*(markup.inline_keyboard if markup else []), [shop]]
    return _("Who pledges? A household, or a shop:"), InlineKeyboardMarkup(inline_keyboard=rows)


def shop_question() -> str:
    return _("What is the shop called?")


def pledge_quantity_question(item: StoreItem) -> str:
    return _("How much {name} each time? Write the amount in {unit}, for example 1.").format(
        name=html.quote(item.name), unit=html.quote(item.unit)
    )


def every_question() -> tuple[str, InlineKeyboardMarkup]:
    return _("How often?"), one_per_row(
        [
            button(_("every month"), "every", 0),
            button(_("every week"), "every", 7),
            button(_("every … days (type the number)"), "every", 1),
        ]
    )


def days_question() -> str:
    return _("Every how many days? Write a number, for example 14.")


def start_question() -> tuple[str, InlineKeyboardMarkup]:
    return _("When is the first gift due? Write the date, for example 2026-03-15, or tap:"), (
        one_per_row([button(_("📅 Today"), "today")])
    )


def pledged_text(pledge: StorePledge, item: StoreItem, who: str) -> str:
    return _("✅ Pledge recorded: {who}, {amount} of {name} {every}, first due {day}.").format(
        who=html.quote(who), amount=amount(pledge.quantity, item), name=html.quote(item.name),
        every=cadence_label(pledge), day=day_label(pledge.starts_on),
    )  # fmt: skip


def reminder_text(pledge: StorePledge, item: StoreItem) -> str:
    """To the pledging household's members, in their language: friendly, never pressing
    ("您每月的一袋米该送来啦，谢谢您！"). One sentence per cadence: Chinese says it up front."""
    values = {"amount": amount(pledge.quantity, item), "name": html.quote(item.name)}
    if pledge.cadence is PledgeCadence.MONTHLY:
        text = _("🌾 Your monthly gift for the storehouse, {amount} of {name}, is due. Thank you "
                 "so much for your kindness!")  # fmt: skip
    elif pledge.every_days == 7:
        text = _("🌾 Your weekly gift for the storehouse, {amount} of {name}, is due. Thank you "
                 "so much for your kindness!")  # fmt: skip
    else:
        text = _("🌾 Your gift for the storehouse every {days} days, {amount} of {name}, is due. "
                 "Thank you so much for your kindness!")  # fmt: skip
    return text.format(days=pledge.every_days, **values)


# ---- a wish lit from the storehouse ---------------------------------------------------------


def wish_question(
    found: Sequence[Wish], codes: dict[int, str]
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Open wishes for a thing: the approved words, and the household's code (coordinators)."""
    if not found:
        return _("No wish for a thing is waiting to be lit."), None
    return _("Which wish shall the storehouse light?"), one_per_row(
        button(f"🌟 {codes.get(wish.household_id, '')} · {wish.description}"[:60], "wpick", wish.id)
        for wish in found
    )


def wish_item_question(wish: Wish) -> str:
    return _("Which goods for the wish “{words}”?").format(words=html.quote(wish.description[:80]))


def how_question() -> tuple[str, InlineKeyboardMarkup]:
    return _("How does it reach the household?"), one_per_row(
        [
            button(_("🤝 Brought by a volunteer"), "how", 0),
            button(_("🏪 Waiting at the pick-up point"), "how", 1),
        ]
    )


def wish_lit_text(item: StoreItem, quantity: int) -> str:
    return _("✅ The wish is lit from the storehouse: {amount} of {name} given. The household "
             "is told, and confirms with one tap. Left: {stock}.").format(
        amount=amount(quantity, item), name=html.quote(item.name),
        stock=amount(item.stock, item),
    )  # fmt: skip
