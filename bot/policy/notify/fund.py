"""Who is told of the fund's payouts: the community's coordinators (their group, or each
privately), with the buttons to approve; and, once it is paid, that it was."""

from __future__ import annotations

from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from bot.views import fund as views
from storage.models import FundPayout, Household


async def payout_asked(notifier: Notifier, payout: FundPayout, household: Household) -> None:
    await notifier.tell_coordinators(
        lambda: (views.payout_card(payout, household), views.approval_keyboard(payout)),
        community_id=payout.community_id,
        kind="fund_payout",
        priority=Priority.NOTICE,
    )


async def payout_paid(notifier: Notifier, payout: FundPayout, household: Household) -> None:
    await notifier.tell_coordinators(
        words_only(lambda: views.paid_text(payout, household)),
        community_id=payout.community_id,
        kind="fund_paid",
        priority=Priority.NOTICE,
    )
