"""Who reads a campaign of the fund: a progress message in each group of its community (the
coordinators' and the volunteers'), posted when it opens and edited through the outbox as
money comes in (`bot.delivery.cards.show`: a message not sent yet rewritten in place, an edit
waiting rewritten, never an edit that changes nothing), with its closing line at the end. The
scheduler makes them true again each tick, so a figure is right also after a crash."""

from __future__ import annotations

from sqlalchemy import select

from bot.delivery import cards as card_delivery
from bot.delivery.notifier import Notifier
from bot.policy.notify.live_messages import post_in_groups
from bot.services import fund_campaigns as campaigns
from bot.views import fund_campaigns as views
from storage.models import FundCampaign, FundCampaignCounter


async def chats_of(notifier: Notifier, campaign: FundCampaign) -> list[int]:
    settings = await notifier.community(campaign.community_id)
    chats = (settings.coordinator_chat_id, settings.volunteer_chat_id)
    return list(dict.fromkeys(chat for chat in chats if chat is not None))


async def post_progress(notifier: Notifier, campaign: FundCampaign) -> int:
    """A progress message in each group of the campaign's community; how many were queued."""
    session = notifier.session
    progress = await campaigns.progress(session, campaign)

    def remember(chat: int, locale: str, outbox_id: int, shown: str) -> FundCampaignCounter:
        return FundCampaignCounter(
            campaign_id=campaign.id, chat_id=chat, locale=locale, outbox_id=outbox_id, shown=shown
        )

    return await post_in_groups(
        notifier, await chats_of(notifier, campaign), lambda: views.progress_text(progress),
        kind="fund.campaign", remember=remember,
    )  # fmt: skip


async def refresh_progress(notifier: Notifier, campaign: FundCampaign) -> int:
    """Each progress message made to say the figures now; how many were changed."""
    session = notifier.session
    progress = await campaigns.progress(session, campaign)
    rows = await session.scalars(
        select(FundCampaignCounter)
        .where(FundCampaignCounter.campaign_id == campaign.id)
        .order_by(FundCampaignCounter.id)
        .execution_options(populate_existing=True)
    )
    edits = 0
    for counter in list(rows):
        with notifier.i18n.context(), notifier.i18n.use_locale(counter.locale):
            text = views.progress_text(progress)
        edits += await card_delivery.show(
            session, counter, text, None, clock=notifier.clock, kind="fund.campaign_edit"
        )
    await session.flush()
    return edits
