"""Rules of offers of time, without Telegram: what an offer must say; only its offerer
withdraws it; only the coordinators of its community match it, never to the offerer's own
request nor to another community's; two coordinators at once match (and credit) once; "delete
my data" takes the offers and their words."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.services import erasure, time_offers
from bot.services.communities import add_community
from bot.services.errors import (
    InvalidInput,
    MinutesInvalid,
    NotAllowed,
    OutsideCommunity,
    RequestNotFound,
    TextTooLong,
)
from bot.services.requests import RequestDraft, submit_request
from bot.services.time_offers import OfferDraft
from storage.models import (
    LedgerTransfer,
    OfferStatus,
    RequestCategory,
    TimeOffer,
    User,
    UserRole,
)
from tests.people import make_person

pytestmark = pytest.mark.postgresql

CHAT = OfferDraft(minutes=30, words="半小时 陪老人聊天", free_when="weekends")


async def _cast(session: AsyncSession, clock: ManualClock) -> tuple[User, User, User]:
    mei = await make_person(session, clock, 1, UserRole.RESIDENT, name="Mei")
    lin = await make_person(session, clock, 2, UserRole.COORDINATOR, name="Lin")
    ann = await make_person(session, clock, 3, UserRole.RESIDENT, name="Ann")
    return mei, lin, ann


async def test_what_an_offer_must_say(session: AsyncSession, clock: ManualClock) -> None:
    mei, _lin, _ann = await _cast(session, clock)
    for bad, error in (
        (OfferDraft(minutes=30), time_offers.OfferEmpty),
        (OfferDraft(minutes=0, kind="company"), MinutesInvalid),
        (OfferDraft(minutes=24 * 60 + 1, kind="company"), MinutesInvalid),
        (OfferDraft(minutes=30, kind="juggling"), InvalidInput),
        (OfferDraft(minutes=30, kind="company", free_when="midnight"), InvalidInput),
        (OfferDraft(minutes=30, words="x" * 201), TextTooLong),
    ):
        with pytest.raises(error):
            await time_offers.offer_time(session, mei, bad, clock=clock)
    stranger = await make_person(session, clock, 9, UserRole.RESIDENT, name="Zed")
    stranger.onboarded_at = None
    with pytest.raises(NotAllowed):
        await time_offers.offer_time(session, stranger, CHAT, clock=clock)
    offer = await time_offers.offer_time(session, mei, CHAT, clock=clock)
    assert (offer.words, offer.minutes, offer.status) == ("半小时 陪老人聊天", 30, OfferStatus.OPEN)


async def test_who_withdraws_and_who_matches(session: AsyncSession, clock: ManualClock) -> None:
    mei, lin, ann = await _cast(session, clock)
    offer = await time_offers.offer_time(session, mei, CHAT, clock=clock)
    with pytest.raises(time_offers.OfferNotFound):  # not hers
        await time_offers.withdraw(session, ann, offer.id, offer.version, clock=clock)
    with pytest.raises(NotAllowed):
        await time_offers.offers_for(session, ann, settings=None)
    own = await submit_request(
        session, mei, RequestDraft(category=RequestCategory.SHOPPING, description="Rice"),
        clock=clock,
    )  # fmt: skip
    assert await time_offers.requests_to_match(session, lin, offer.id, settings=None) == []
    with pytest.raises(RequestNotFound):  # her own request: no gift to herself
        await time_offers.match_to_request(
            session, lin, offer.id, offer.version, own.id, clock=clock, settings=None
        )
    east = await add_community(session, name="East Lane", slug="east", clock=clock)
    emma = await make_person(
        session, clock, 4, UserRole.COORDINATOR, name="Emma", community_id=east.id
    )
    with pytest.raises(OutsideCommunity):
        await time_offers.offer_for_coordinator(session, emma, offer.id, settings=None)
    with pytest.raises(time_offers.OfferChanged):  # a stale version
        await time_offers.withdraw(session, mei, offer.id, offer.version + 1, clock=clock)
    await time_offers.withdraw(session, mei, offer.id, offer.version, clock=clock)
    assert offer.status is OfferStatus.WITHDRAWN
    with pytest.raises(time_offers.OfferChanged):
        await time_offers.mark_given(
            session, lin, offer.id, offer.version, clock=clock, settings=None
        )


async def test_two_coordinators_at_once_match_and_credit_once(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with session_factory() as session:
        mei, lin, ann = await _cast(session, clock)
        lam = await make_person(session, clock, 5, UserRole.COORDINATOR, name="Lam")
        request = await submit_request(
            session, ann, RequestDraft(category=RequestCategory.COMPANIONSHIP, description="Chat"),
            clock=clock,
        )  # fmt: skip
        offer = await time_offers.offer_time(session, mei, CHAT, clock=clock)
        await session.commit()
        ids = (lin.id, lam.id)
        offer_id, version, request_id, mei_id = offer.id, offer.version, request.id, mei.id

    async def act(coordinator_id: int, step: str, at_version: int) -> str:
        async with session_factory() as session:
            coordinator = await session.get(User, coordinator_id)
            try:
                if step == "match":
                    await time_offers.match_to_request(
                        session, coordinator, offer_id, at_version, request_id, clock=clock,
                        settings=None,
                    )  # fmt: skip
                else:
                    await time_offers.mark_given(
                        session, coordinator, offer_id, at_version, clock=clock, settings=None
                    )
            except time_offers.OfferChanged:
                await session.rollback()
                return "changed"
            await session.commit()
            return "done"

    matched = await asyncio.gather(*(act(i, "match", version) for i in ids))
    assert sorted(matched) == ["changed", "done"]
    credited = await asyncio.gather(*(act(i, "given", version + 1) for i in ids))
    assert sorted(credited) == ["changed", "done"]
    async with session_factory() as session:
        offer = await session.get(TimeOffer, offer_id)
        assert offer is not None and offer.status is OfferStatus.DONE
        assert offer.request_id == request_id
        count = await session.scalar(
            select(func.count())
            .select_from(LedgerTransfer)
            .where(LedgerTransfer.source == f"offer:{offer_id}")
        )
        assert count == 1
        mei = await session.get(User, mei_id)
        assert mei is not None
        assert (await erasure.erase_traces(session, mei, clock=clock)).values is not None
        left = await session.scalar(select(func.count()).select_from(TimeOffer))
        assert left == 0  # "delete my data": her offers went with it
