"""Campaign days (点亮心愿日): a coordinator (of a community, or of a street or district across
its communities) gathers the verified wishes waiting to be lit under one day; each group of
those communities gets a live counter ("已点亮 612 / 865") kept true by the scheduler, and when
the day is over each community's coordinators get its closing figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import communities
from bot.services.errors import InvalidInput
from bot.services.slots import local_today
from bot.services.users import clean_text
from storage.models import Household, User, Wish, WishCampaign, WishStatus
from storage.repositories import audit

TITLE_MAX = 64
LIT = (WishStatus.LIT, WishStatus.DELIVERED, WishStatus.RECEIVED)
GONE = (WishStatus.DECLINED, WishStatus.CANCELLED)


class CampaignTitleInvalid(InvalidInput):
    """An empty title, or one longer than TITLE_MAX."""


@dataclass(frozen=True)
class Tally:
    """A campaign's figures: wishes lit (or brought, or received) of all its wishes."""

    lit: int
    total: int

    @property
    def key(self) -> str:
        return f"{self.lit}/{self.total}"


def clean_title(text: str | None) -> str:
    title = clean_text(text or "")
    if not title or len(title) > TITLE_MAX:
        raise CampaignTitleInvalid()
    return title


async def waiting_to_join(
    session: AsyncSession, coordinator: User | None, *, settings: Settings | None
) -> int:
    """How many verified wishes of the coordinator's communities would join a campaign now."""
    coordinator = require(coordinator, Action.REVIEW_WISHES)
    scope = await communities.scope_of(session, settings, coordinator)
    found = await session.scalar(
        select(func.count())
        .select_from(Wish)
        .where(
            Wish.community_id.in_(list(scope)),
            Wish.status == WishStatus.OPEN,
            Wish.campaign_id.is_(None),
        )
    )
    return int(found or 0)


async def open_campaign(
    session: AsyncSession,
    coordinator: User | None,
    *,
    title: str,
    day: date,
    clock: Clock,
    settings: Settings | None,
) -> tuple[WishCampaign, int]:
    """Open a campaign for the coordinator's node, gathering every verified wish of its
    communities not in another campaign; returns it and how many joined."""
    coordinator = require(coordinator, Action.REVIEW_WISHES)
    assert coordinator.community_id is not None
    now = clock.now()
    campaign = WishCampaign(
        node_id=coordinator.community_id,
        title=clean_title(title),
        day=day,
        opened_by_id=coordinator.id,
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    scope = await communities.scope_of(session, settings, coordinator)
    joined = await session.execute(
        update(Wish)
        .where(
            Wish.community_id.in_(list(scope)),
            Wish.status == WishStatus.OPEN,
            Wish.campaign_id.is_(None),
        )
        .values(campaign_id=campaign.id)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        at=now,
        action="wish.campaign_opened",
        actor_id=coordinator.id,
        subject_id=None,
        detail={"campaign_id": campaign.id},
    )
    return campaign, int(joined.rowcount or 0)  # type: ignore[attr-defined]


async def join_running(session: AsyncSession, wish: Wish) -> WishCampaign | None:
    """A wish verified while a campaign of its community (or street, or district) runs joins
    it, the nearest node's if there are several: the counters count it at the next tick."""
    if wish.campaign_id is not None or wish.status is not WishStatus.OPEN:
        return None
    lineage = (await communities.tree(session, None)).lineage(wish.community_id)
    found = [c for c in await running(session) if c.node_id in lineage]
    if not found:
        return None
    campaign = min(found, key=lambda c: (lineage.index(c.node_id), -c.id))
    wish.campaign_id = campaign.id
    await session.flush()
    return campaign


async def tally(session: AsyncSession, campaign_id: int, community_id: int | None = None) -> Tally:
    where = [Wish.campaign_id == campaign_id, Wish.status.not_in(GONE)]
    if community_id is not None:
        where.append(Wish.community_id == community_id)
    rows = await session.execute(
        select(Wish.status, func.count()).where(*where).group_by(Wish.status)
    )
    counts = {status: int(count) for status, count in rows.all()}
    return Tally(lit=sum(counts.get(s, 0) for s in LIT), total=sum(counts.values()))


async def running(session: AsyncSession) -> list[WishCampaign]:
    return list(
        await session.scalars(
            select(WishCampaign).where(WishCampaign.closed_at.is_(None)).order_by(WishCampaign.id)
        )
    )


@dataclass(frozen=True)
class RunningCampaign:
    """A campaign under way as a coordinator reads it: its figures and its wishes of their
    communities, each with its household's code (for the coordinators only)."""

    campaign: WishCampaign
    counted: Tally
    wishes: list[tuple[Wish, str]]
    more: int  # wishes beyond the LIST_MAX shown


LIST_MAX = 40  # what one message holds


async def running_for(
    session: AsyncSession, coordinator: User | None, *, settings: Settings | None
) -> list[RunningCampaign]:
    """The campaigns running over the coordinator's communities, with their wishes there:
    those still waiting first, then the lit ones."""
    coordinator = require(coordinator, Action.REVIEW_WISHES)
    scope = list(await communities.scope_of(session, settings, coordinator))
    found = []
    for campaign in await running(session):
        rows = (
            await session.execute(
                select(Wish, Household.code)
                .join(Household, Household.id == Wish.household_id)
                .where(
                    Wish.campaign_id == campaign.id,
                    Wish.community_id.in_(scope),
                    Wish.status.not_in(GONE),
                )
                .order_by(Wish.status.in_(LIT), Wish.id)
            )
        ).all()
        if not rows:
            continue
        counted = Tally(lit=sum(w.status in LIT for w, _ in rows), total=len(rows))
        shown = [(wish, code) for wish, code in rows[:LIST_MAX]]
        found.append(RunningCampaign(campaign, counted, shown, len(rows) - len(shown)))
    return found


def chats_of(tree: communities.CommunityTree, campaign: WishCampaign) -> list[int]:
    """The groups (coordinators' and volunteers') of the communities below the campaign's
    node, each once."""
    found: list[int] = []
    for community_id in sorted(tree.below(campaign.node_id)):
        settings = tree.settings(community_id)
        for chat in (settings.coordinator_chat_id, settings.volunteer_chat_id):
            if chat is not None and chat not in found:
                found.append(chat)
    return found


async def close_if_over(
    session: AsyncSession, campaign: WishCampaign, *, clock: Clock, timezone: str
) -> bool:
    """Close a campaign whose day is over where it runs (once: a conditional UPDATE)."""
    if local_today(clock.now(), timezone) <= campaign.day:
        return False
    result = await session.execute(
        update(WishCampaign)
        .where(WishCampaign.id == campaign.id, WishCampaign.closed_at.is_(None))
        .values(closed_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(campaign)
    return True
