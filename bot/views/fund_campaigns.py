"""Words of the fund's campaigns (为李奶奶筹集手术费): opening one, its progress message in the
groups ("已筹 ¥3,200 / ¥5,000 ▓▓▓▓▓▓░░░░ 64%") with its closing line, and the coordinators'
↩️ Correct this under money received or a payout paid."""

from __future__ import annotations

from datetime import date

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import FundCampaignStep, FundFix, FundStep
from bot.services.fund_campaigns import ENDED, GOAL, Progress
from bot.views.fund import money
from bot.views.keyboards import one_per_row
from bot.views.texts import day_with_weekday
from bot.views.words import in_reader_script
from storage.models import FundCampaign

BAR = 10  # cells of the progress bar
END_DAYS = (7, 14, 30, 60)


def bar(percent: int) -> str:
    filled = min(BAR, max(0, percent) // (100 // BAR))
    return "▓" * filled + "░" * (BAR - filled)


def progress_text(progress: Progress) -> str:
    """The progress message of the groups: the title a coordinator typed (no digits), the
    figures, and a closing line once it is over."""
    raised, goal = (
        money(progress.raised, progress.currency),
        money(progress.goal, progress.currency),
    )
    lines = [
        "📣 " + html.quote(in_reader_script(progress.title)),
        _("Raised {raised} / {goal}").format(raised=raised, goal=goal)
        + f" {bar(progress.percent)} {progress.percent}%",
    ]
    if progress.closed_why is None and progress.ends_on is not None:
        lines.append(_("Until {day}").format(day=day_with_weekday(progress.ends_on)))
    if progress.closed_why == GOAL:
        lines.append(_("🎉 The goal is reached. Thank you, everyone!"))
    elif progress.closed_why == ENDED:
        lines.append(_("The campaign has ended. Thank you, everyone! 💛"))
    elif progress.closed_why is not None:
        lines.append(_("The campaign is closed. Thank you, everyone! 💛"))
    return "\n".join(lines)


# ---- the coordinators' campaigns ------------------------------------------------------------


def campaigns_text(campaigns: list[FundCampaign]) -> str:
    if not campaigns:
        return _(
            "📣 No campaign is open. A campaign has a goal and a progress message in the groups."
        )
    return (
        _("📣 Open campaigns:")
        + "\n"
        + "\n".join("• " + html.quote(campaign.title) for campaign in campaigns)
    )


def campaigns_keyboard(campaigns: list[FundCampaign]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=_("✖️ Close “{title}”").format(title=campaign.title),
            callback_data=FundCampaignStep(action="close", value=campaign.id).pack(),
        )
        for campaign in campaigns
    ]
    buttons.append(
        InlineKeyboardButton(
            text=_("➕ Open a campaign"), callback_data=FundCampaignStep(action="new").pack()
        )
    )
    return one_per_row(buttons)


def title_question() -> str:
    return _(
        "📣 What is the campaign called? For example “为社区长者筹集冬衣”.\nIt is shown in the "
        "community's groups: no name, address or phone, and no digits (the goal comes next)."
    )


def title_placeholder() -> str:
    return _("The campaign's name")


def title_invalid() -> str:
    return _(
        "Please type a name of at most 64 characters without digits: it is shown in the groups, "
        "so no phone, flat number or address."
    )


def goal_question() -> str:
    return _("What is the goal? Write the amount, for example 5000.")


def end_question() -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        InlineKeyboardButton(
            text=_("In {days} days").format(days=days),
            callback_data=FundCampaignStep(action="end", value=days).pack(),
        )
        for days in END_DAYS
    ]
    buttons.append(
        InlineKeyboardButton(
            text=_("No end date"), callback_data=FundCampaignStep(action="end", value=0).pack()
        )
    )
    return _("Until when does it run?"), one_per_row(buttons)


def end_label(ends_on: date | None) -> str:
    return day_with_weekday(ends_on) if ends_on is not None else _("No end date")


def confirm_question(title: str, goal: int, currency: str, ends_on: date | None) -> str:
    return _(
        "📣 {title}\nGoal: {goal}\nUntil: {end}\n\nOpen it? Its progress message goes to the "
        "community's groups."
    ).format(title=html.quote(title), goal=money(goal, currency), end=end_label(ends_on))


def confirm_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("✅ Open the campaign"), callback_data=FundCampaignStep(action="go").pack()
            ),
            InlineKeyboardButton(
                text=_("✖️ Don't open it"), callback_data=FundCampaignStep(action="no").pack()
            ),
        ]
    )


def opened_text(groups: int) -> str:
    return _("📣 The campaign is open, with its progress message in {groups} groups.").format(
        groups=groups
    )


def not_opened_text() -> str:
    return _("OK, no campaign was opened.")


def closed_text() -> str:
    return _("The campaign is closed; its progress message says so.")


def closed_already_text() -> str:
    return _("This campaign is closed already.")


def campaign_question(campaigns: list[FundCampaign]) -> tuple[str, InlineKeyboardMarkup]:
    """In the money received flow: towards which campaign, or none."""
    buttons = [
        InlineKeyboardButton(
            text="📣 " + campaign.title,
            callback_data=FundStep(action="camp", value=campaign.id).pack(),
        )
        for campaign in campaigns
    ]
    buttons.append(
        InlineKeyboardButton(
            text=_("No campaign: the fund in general"),
            callback_data=FundStep(action="nocamp").pack(),
        )
    )
    return _("Is it for a campaign?"), one_per_row(buttons)


# ---- ↩️ Correct this ------------------------------------------------------------------------


def fix_keyboard(transfer_id: int) -> InlineKeyboardMarkup:
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("↩️ Correct this"),
                callback_data=FundFix(action="ask", transfer_id=transfer_id).pack(),
            )
        ]
    )


def reason_question() -> str:
    return _(
        "↩️ This entry will be undone by a reversing entry (the ledger keeps both). Why? For "
        "example “amount typed wrong” (only coordinators see it)."
    )


def reason_placeholder() -> str:
    return _("Why it is corrected")


def corrected_text(amount: int, currency: str) -> str:
    return _(
        "↩️ Corrected: {amount} undone. Record it again as it should be, if it should be."
    ).format(amount=money(amount, currency))


def corrected_already_text() -> str:
    return _("This entry was corrected already.")


def cannot_correct_text(balance: int, currency: str) -> str:
    return _(
        "This cannot be undone: the fund holds only {amount}, the money was paid out since."
    ).format(amount=money(balance, currency))
