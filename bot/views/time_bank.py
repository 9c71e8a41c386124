"""Words and buttons of one's own time account (爱心时间): balance, this month, the latest
entries, and big buttons to page through older ones. What a transfer's memo says is never
shown here: each entry reads as the kind of time it was."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CallBackAction, GiveBack, HoursPage, TimeGiven
from bot.services import ledger
from bot.services.time_bank import PAGE_SIZE, StatementLine, TimePage
from bot.views import households
from bot.views.certificates import certificate_button
from bot.views.keyboards import one_per_row
from bot.views.texts import date_label, duration_label
from bot.views.time_offers import offer_start_button
from storage.models import Household


def signed_duration(minutes: int) -> str:
    sign = "+" if minutes > 0 else "−"
    return f"{sign}{duration_label(abs(minutes))}"


def _what(line: StatementLine) -> str:
    transfer = line.transfer
    source = transfer.source or ""
    if transfer.kind == ledger.TIME_TASK and source.startswith("request:"):
        number = source.split(":", 1)[1].split("@", 1)[0]
        return _("help with request no. {ref}").format(ref=number)
    if transfer.kind == ledger.TIME_TASK:
        return _("help with a request")
    if transfer.kind == ledger.TIME_VISIT:
        return _("a visit or call")
    if transfer.kind == ledger.REVERSAL:
        return _("correction")
    return _("time given")


def entry_line(line: StatementLine, timezone: str) -> str:
    day = line.entry.created_at.astimezone(ZoneInfo(timezone))
    return f"{date_label(day)} · {signed_duration(line.entry.amount)} · {_what(line)}"


def hours_text(page: TimePage) -> str:
    summary = page.summary
    text = _("⏱ Your time account\nIn total: {total}\nThis month: {month}").format(
        total=duration_label(max(summary.balance, 0)),
        month=duration_label(max(summary.this_month, 0)),
    )
    if page.household is not None:
        code, given = page.household
        text += "\n" + _("Your household {code} gave back: {time}").format(
            code=code, time=duration_label(max(given, 0))
        )
    if page.lines:
        first, last = page.offset + 1, page.offset + len(page.lines)
        text += "\n\n" + _("Entries {first}–{last} of {count}, newest first:").format(
            first=first, last=last, count=summary.entries
        )
        text += "\n" + "\n".join(entry_line(line, page.timezone) for line in page.lines)
    if summary.balance > 0:
        text += "\n\n" + _("Thank you for all you do! 🙏")
    return text


def hours_keyboard(page: TimePage) -> InlineKeyboardMarkup | None:
    buttons = []
    if page.offset > 0:
        buttons.append(
            InlineKeyboardButton(
                text=_("⬆️ Newer entries"),
                callback_data=HoursPage(offset=max(page.offset - PAGE_SIZE, 0)).pack(),
            )
        )
    if page.offset + len(page.lines) < page.summary.entries:
        buttons.append(
            InlineKeyboardButton(
                text=_("⬇️ Older entries"),
                callback_data=HoursPage(offset=page.offset + PAGE_SIZE).pack(),
            )
        )
    if page.may_certify and page.offset == 0:
        buttons.append(certificate_button())
    if page.may_record and page.offset == 0:
        buttons.append(
            InlineKeyboardButton(
                text=_("➕ Record time a household gave"),
                callback_data=TimeGiven(action="start").pack(),
            )
        )
    return one_per_row(buttons) if buttons else None


def household_question(
    homes: list[Household], page: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    return households.household_question(
        homes,
        page,
        lambda home: TimeGiven(action="hh", value=home.id).pack(),
        lambda other: TimeGiven(action="hhpage", value=other).pack(),
        question=_("Which household gave the time? (Only coordinators see these names.)"),
    )


def minutes_question() -> str:
    return _("How long did they give? For example 45 minutes or 1.5 hours.")


def time_given_text(household: Household, minutes: int) -> str:
    return _("✅ {time} credited to {code}'s time account. Thank you to them!").format(
        time=duration_label(minutes), code=household.code
    )


def give_back_text() -> str:
    return _(
        "🌱 Neighbours have helped you a few times lately. If you would like to give a little "
        "time back one day (keeping someone company, a chat on the phone), offer it below, or "
        "a coordinator will call you. Only if you like: there is no need at all."
    )


def give_back_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            offer_start_button(),
            InlineKeyboardButton(
                text=_("📞 Please call me"), callback_data=CallBackAction(action="ask").pack()
            ),
            InlineKeyboardButton(
                text=_("🔕 No more of these"), callback_data=GiveBack(on=False).pack()
            ),
        ]
    )
