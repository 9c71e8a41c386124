"""Words of a campaign day (点亮心愿日): opening one, its live counter, its closing figures."""

from __future__ import annotations

from datetime import date

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CampaignStep
from bot.services.wish_campaigns import LIT, RunningCampaign, Tally
from bot.views.keyboards import one_per_row
from bot.views.texts import day_with_weekday
from bot.views.words import in_reader_script
from storage.models import WishCampaign


def _title(campaign: WishCampaign) -> str:
    return html.quote(in_reader_script(campaign.title))


def counter(campaign: WishCampaign, counted: Tally) -> str:
    text = _("🕯 {title}, {day}\nLit: {lit} / {total}").format(
        title=_title(campaign), day=day_with_weekday(campaign.day),
        lit=counted.lit, total=counted.total,
    )  # fmt: skip
    if campaign.closed_at is not None:
        text += "\n" + _("The day is over. Thank you, everyone! 💛")
    elif counted.total and counted.lit == counted.total:
        text += "\n" + _("Every wish is lit! 🎉")
    return text


def report(campaign: WishCampaign, community: str, counted: Tally) -> str:
    return _(
        "🕯 {title} is over. In {community}, {lit} of {total} wishes were lit; {left} are "
        "still waiting and stay for neighbours to light."
    ).format(
        title=_title(campaign), community=html.quote(community), lit=counted.lit,
        total=counted.total, left=counted.total - counted.lit,
    )  # fmt: skip


def running_text(running: RunningCampaign) -> str:
    """A campaign under way, for its coordinators: each wish with its household's code."""
    lines = [
        _("🕯 {title}, {day}: {lit} of {total} wishes of your communities are lit.").format(
            title=_title(running.campaign),
            day=day_with_weekday(running.campaign.day),
            lit=running.counted.lit,
            total=running.counted.total,
        )
    ]
    for wish, code in running.wishes:
        mark = "✅" if wish.status in LIT else "⏳"
        first_line = (wish.description.splitlines() or [""])[0]
        words = html.quote(in_reader_script(first_line[:40]))
        lines.append(f"{mark} {code} · {html.quote(wish.address_as)} · {words}")
    if running.more:
        lines.append(_("…and {count} more.").format(count=running.more))
    return "\n".join(lines)


def title_question() -> str:
    return _(
        "🕯 A campaign day: the verified wishes of your communities are lit together, with a "
        "live counter in each group. What is it called? For example “点亮心愿日”."
    )


def title_placeholder() -> str:
    return _("The campaign's name")


def title_invalid() -> str:
    return _("Please type a name of at most 64 characters.")


def day_question() -> str:
    return _("On which day?")


def day_keyboard(days: list[date]) -> InlineKeyboardMarkup:
    return one_per_row(
        InlineKeyboardButton(
            text=day_with_weekday(day),
            callback_data=CampaignStep(field="day", value=day.isoformat()).pack(),
        )
        for day in days
    )


def confirm_question(title: str, day: date, waiting: int) -> str:
    return _("🕯 {title}, {day}: {count} verified wishes waiting to be lit will join it.").format(
        title=html.quote(title), day=day_with_weekday(day), count=waiting
    )


def confirm_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("✅ Open the campaign"),
                callback_data=CampaignStep(field="go", value="yes").pack(),
            ),
            InlineKeyboardButton(
                text=_("✖️ Don't open it"),
                callback_data=CampaignStep(field="go", value="no").pack(),
            ),
        ]
    )


def opened_text(joined: int, groups: int) -> str:
    return _("🕯 The campaign is open: {count} wishes, a live counter in {groups} groups.").format(
        count=joined, groups=groups
    )


def nothing_to_join_text() -> str:
    return _("There is no verified wish waiting to be lit, so there is nothing to gather yet.")


def not_opened_text() -> str:
    return _("OK, no campaign was opened.")
