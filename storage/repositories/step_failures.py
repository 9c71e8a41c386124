"""Which community a scheduler step's row belongs to, by its job, so that a step that keeps
failing is told to that community's coordinators and no other's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Broadcast,
    Checkin,
    CheckinPlan,
    FundCampaign,
    HelpRequest,
    Pairing,
    Visit,
    Wish,
    WishCampaign,
)


async def community_of(session: AsyncSession, job: str, row_id: int) -> int | None:
    """The row's community (for a campaign: the node it was opened for); None for a job this
    does not know or a row that is gone."""
    family = job.split(".", 1)[0]
    if job == "wish.campaign":
        query = select(WishCampaign.node_id).where(WishCampaign.id == row_id)
    elif family == "checkin":
        query = (
            select(CheckinPlan.community_id)
            .join(Checkin, Checkin.plan_id == CheckinPlan.id)
            .where(Checkin.id == row_id)
        )
    elif family == "visit":
        query = (
            select(Pairing.community_id)
            .join(Visit, Visit.pairing_id == Pairing.id)
            .where(Visit.id == row_id)
        )
    elif family == "request":
        query = select(HelpRequest.community_id).where(HelpRequest.id == row_id)
    elif family == "broadcast":
        query = select(Broadcast.community_id).where(Broadcast.id == row_id)
    elif family == "wish":
        query = select(Wish.community_id).where(Wish.id == row_id)
    elif job == "fund.campaign":
        query = select(FundCampaign.community_id).where(FundCampaign.id == row_id)
    elif family == "numbers":  # the weekly digest's row is its community
        return row_id
    else:
        return None
    return await session.scalar(query)
