"""Who is told of the fund: a payout's card goes to the community's coordinators (their group,
or each privately) with the buttons to approve, and that it was paid; the month's public
ledger goes to the volunteers' group."""

from __future__ import annotations

from bot.delivery.notifier import Notifier, Rendered
from bot.delivery.outbox import Priority
from bot.services import fund_posts
from bot.services.fund_posts import MonthlyPost
from bot.views import fund as views
from bot.views import fund_campaigns as campaign_views
from bot.views import time_bank as time_views
from storage.models import FundPayout, Household, User


async def payout_asked(notifier: Notifier, payout: FundPayout, household: Household) -> None:
    currency = (await notifier.community(payout.community_id)).currency
    await notifier.tell_coordinators(
        lambda: (views.payout_card(payout, household, currency), views.approval_keyboard(payout)),
        community_id=payout.community_id,
        kind="fund_payout",
        priority=Priority.NOTICE,
    )


async def payout_paid(notifier: Notifier, payout: FundPayout, household: Household) -> None:
    """To the coordinators, with ↩️ Correct this (a payout recorded by mistake is undone)."""
    currency = (await notifier.community(payout.community_id)).currency

    def render() -> Rendered:
        text = views.paid_text(payout, household, currency)
        fix = campaign_views.fix_keyboard(payout.transfer_id) if payout.transfer_id else None
        return text, fix

    await notifier.tell_coordinators(
        render, community_id=payout.community_id, kind="fund_paid", priority=Priority.NOTICE
    )


async def monthly_ledger(notifier: Notifier, post: MonthlyPost) -> None:
    """The month's public ledger (codes, amounts and categories only) to each person who asked
    for it, and to the community's volunteers' group, else to its coordinators."""
    community = await notifier.community(post.community_id)

    def render() -> tuple[str, None]:
        return views.public_ledger_text(post.ledger, community.name, post.period), None

    for reader in await fund_posts.readers(notifier.session, post.community_id):
        await notifier.tell_user(reader, render, kind="fund_ledger", priority=Priority.BROADCAST)
    chat = community.volunteer_chat_id
    if chat is not None:
        await notifier.tell_chat(
            chat, await notifier.group_locale(chat), render, kind="fund_ledger",
            priority=Priority.BROADCAST,
        )  # fmt: skip
        return
    await notifier.tell_coordinators(
        render, community_id=post.community_id, kind="fund_ledger", priority=Priority.BROADCAST
    )


async def give_back_nudge(notifier: Notifier, resident: User) -> None:
    """The monthly word to a resident who opted in (her quiet hours kept by `tell_user`)."""
    await notifier.tell_user(
        resident,
        lambda: (time_views.give_back_text(), time_views.give_back_keyboard()),
        kind="give_back",
        priority=Priority.NOTICE,
    )
