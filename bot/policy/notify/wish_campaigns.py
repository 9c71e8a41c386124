"""Who reads a campaign day: a live counter in each group of its communities, kept true by
the scheduler (at most one edit a tick per group: within Telegram's twenty messages a minute
to a group), and each community's coordinators its closing figures."""

from __future__ import annotations

from sqlalchemy import select

from bot.delivery import cards as card_delivery
from bot.delivery.notifier import Notifier, words_only
from bot.delivery.outbox import Priority
from bot.policy.notify.live_messages import post_in_groups
from bot.services import communities
from bot.services import wish_campaigns as campaigns
from bot.views import wish_campaigns as views
from storage.models import CampaignCounter, WishCampaign


async def post_counters(notifier: Notifier, campaign: WishCampaign) -> int:
    """A counter in each group of the campaign's communities; how many were queued."""
    session = notifier.session
    tree = await communities.tree(session, notifier.settings)
    counted = await campaigns.tally(session, campaign.id)

    def remember(chat: int, locale: str, outbox_id: int, shown: str) -> CampaignCounter:
        return CampaignCounter(
            campaign_id=campaign.id, chat_id=chat, locale=locale, outbox_id=outbox_id, shown=shown
        )

    return await post_in_groups(
        notifier, campaigns.chats_of(tree, campaign), lambda: views.counter(campaign, counted),
        kind="wish.counter", remember=remember,
    )  # fmt: skip


async def refresh_counters(notifier: Notifier, campaign: WishCampaign) -> int:
    """Each counter made to say the campaign's figures now, through the outbox as a request's
    card is (`bot.delivery.cards.show`): a counter not sent yet is rewritten in place, one on
    its way is edited once its message id is known, one that says this already is left
    alone. Returns how many were changed."""
    session = notifier.session
    counted = await campaigns.tally(session, campaign.id)
    rows = await session.scalars(
        select(CampaignCounter)
        .where(CampaignCounter.campaign_id == campaign.id)
        .order_by(CampaignCounter.id)
    )
    edits = 0
    for counter in list(rows):
        with notifier.i18n.context(), notifier.i18n.use_locale(counter.locale):
            text = views.counter(campaign, counted)
        edits += await card_delivery.show(
            session, counter, text, None, clock=notifier.clock, kind="wish.counter_edit"
        )
    await session.flush()
    return edits


async def campaign_closed(notifier: Notifier, campaign: WishCampaign) -> None:
    """Each community's coordinators: how many of its wishes were lit."""
    session = notifier.session
    tree = await communities.tree(session, notifier.settings)
    for community_id in sorted(tree.below(campaign.node_id)):
        counted = await campaigns.tally(session, campaign.id, community_id)
        if not counted.total:
            continue
        name = tree.name(community_id)
        await notifier.tell_coordinators(
            words_only(lambda counted=counted, name=name: views.report(campaign, name, counted)),
            community_id=community_id,
            kind="wish.campaign_report",
            priority=Priority.NOTICE,
        )
