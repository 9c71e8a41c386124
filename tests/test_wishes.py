"""Rules of small wishes, without Telegram: who may post, verify and light; two donors (or
thirty) pressing "我来点亮" at once, one wins; reminders and lapses done once even by two
processes; a donor never reads a household's label or address; "delete my data" erases what
a person wrote in their wishes and thanks."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.i18n import create_i18n
from bot.services import communities, erasure, households, wish_campaigns, wish_steps, wishes
from bot.services.communities import add_community
from bot.services.errors import NotAllowed, TextTooLong, VolunteerNotApproved
from bot.services.wishes import WishDraft
from bot.views.wishes import donor_card
from storage.models import (
    CommunityLevel,
    User,
    UserRole,
    Wish,
    WishDelivery,
    WishKind,
    WishStatus,
)
from tests.people import make_person

pytestmark = pytest.mark.postgresql

COAT = WishDraft(kind=WishKind.ITEM, description="A warm winter coat, size L",
                 address_as="王奶奶", age_band="70s", value_yuan=200)  # fmt: skip


def _settings() -> Settings:
    return load_settings(_env_file=None, wish_claim_days=7, wish_remind_hours=48)


async def _cast(session: AsyncSession, clock: ManualClock) -> tuple[User, User, User, User]:
    resident = await make_person(session, clock, 1, UserRole.RESIDENT, name="王秀英",
                                 phone="13800138000", address="3号楼302")  # fmt: skip
    coordinator = await make_person(session, clock, 2, UserRole.COORDINATOR, name="Lin")
    volunteer = await make_person(session, clock, 3, UserRole.VOLUNTEER, name="Tao")
    neighbour = await make_person(session, clock, 4, UserRole.RESIDENT, name="Sam")
    return resident, coordinator, volunteer, neighbour


async def _open_wish(
    session: AsyncSession, clock: ManualClock, draft: WishDraft = COAT
) -> tuple[Wish, User, User, User, User]:
    resident, coordinator, volunteer, neighbour = await _cast(session, clock)
    wish, _ = await wishes.post_wish(session, resident, draft, clock=clock)
    await wishes.approve(session, coordinator, wish, wish.version, clock=clock)
    return wish, resident, coordinator, volunteer, neighbour


async def test_only_residents_post_their_own_and_only_coordinators_verify(
    session: AsyncSession, clock: ManualClock
) -> None:
    resident, coordinator, volunteer, _ = await _cast(session, clock)
    with pytest.raises(NotAllowed):
        await wishes.post_wish(session, volunteer, COAT, clock=clock)
    wish, household = await wishes.post_wish(session, resident, COAT, clock=clock)
    assert resident.household_id == household.id and wish.area == "Building 5"
    with pytest.raises(NotAllowed):
        await wishes.wish_for_coordinator(session, volunteer, wish.id, settings=None)
    with pytest.raises(TextTooLong):
        await wishes.post_wish(
            session,
            resident,
            WishDraft(**{**COAT.__dict__, "description": "x" * 4000}),
            clock=clock,
        )
    with pytest.raises(wishes.WishWordsInvalid):  # a door number is no form of address
        wishes.clean_address_as("302室")
    assert wishes.parse_value("约200元") == 200
    with pytest.raises(wishes.ValueInvalid):
        wishes.parse_value("一些")
    # a stale press (an older version) changes nothing
    await wishes.approve(session, coordinator, wish, wish.version, clock=clock)
    with pytest.raises(wishes.WishChanged):
        await wishes.approve(session, coordinator, wish, wish.version - 1, clock=clock)


async def test_a_donor_card_shows_no_address_and_service_wishes_need_a_volunteer(
    session: AsyncSession, clock: ManualClock
) -> None:
    tutoring = WishDraft(kind=WishKind.SERVICE, description="An hour of maths a week",
                         address_as="小明", age_band="child")  # fmt: skip
    wish, _, _, volunteer, neighbour = await _open_wish(session, clock, tutoring)
    with create_i18n("en").context():
        text = donor_card(wish)
    assert "小明" in text and "3号楼302" not in text and "王秀英" not in text
    settings = _settings()
    found, total = await wishes.open_for(session, neighbour, settings=settings)
    assert (found, total) == ([], 0)
    with pytest.raises(VolunteerNotApproved):
        await wishes.light(
            session, neighbour, wish.id, wish.version, clock=clock, settings=settings
        )
    found, total = await wishes.open_for(session, volunteer, settings=settings)
    assert [w.id for w in found] == [wish.id]


async def test_another_community_s_donor_neither_sees_nor_lights_a_wish(
    session: AsyncSession, clock: ManualClock
) -> None:
    wish, *_ = await _open_wish(session, clock)
    east = await add_community(session, name="East Lane", slug="east", clock=clock)
    eve = await make_person(session, clock, 9, UserRole.RESIDENT, name="Eve", community_id=east.id)
    settings = _settings()
    assert await wishes.open_for(session, eve, settings=settings) == ([], 0)
    with pytest.raises(wishes.WishNotFound):
        await wishes.light(session, eve, wish.id, wish.version, clock=clock, settings=settings)


async def test_thirty_donors_light_at_once_and_one_wins(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with session_factory() as session:
        wish, *_ = await _open_wish(session, clock)
        crowd = [
            (await make_person(session, clock, 100 + n, UserRole.RESIDENT, name=f"D{n}")).id
            for n in range(30)
        ]
        await session.commit()
        wish_id, version = wish.id, wish.version
    settings = _settings()

    async def tap(donor_id: int) -> str:
        async with session_factory() as session:
            donor = await session.get(User, donor_id)
            try:
                await wishes.light(session, donor, wish_id, version, clock=clock, settings=settings)
            except wishes.WishTaken:
                await session.rollback()
                return "taken"
            await session.commit()
            return "won"

    outcomes = await asyncio.gather(*(tap(donor_id) for donor_id in crowd))
    assert (outcomes.count("won"), outcomes.count("taken")) == (1, 29)
    async with session_factory() as session:
        lit = await session.get(Wish, wish_id)
        assert lit is not None and lit.status is WishStatus.LIT
        assert lit.donor_id == crowd[outcomes.index("won")]
        assert lit.due_at == clock.now() + timedelta(days=7)


async def test_two_processes_remind_and_return_a_forgotten_wish_once(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    settings = _settings()
    async with session_factory() as session:
        wish, _, _, volunteer, _ = await _open_wish(session, clock)
        await wishes.light(
            session, volunteer, wish.id, wish.version, clock=clock, settings=settings
        )
        await session.commit()
    start = clock.now()

    async def remind() -> int:
        async with session_factory() as session:
            found = await wish_steps.remind_due(
                session, clock=clock, remind_before=timedelta(hours=48)
            )
            await session.commit()
            return len(found)

    async def lapse() -> int:
        async with session_factory() as session:
            found = await wish_steps.return_lapsed(session, clock=clock)
            await session.commit()
            return len(found)

    clock.set(start + timedelta(days=4))
    assert await asyncio.gather(remind(), remind()) in ([0, 0],)
    clock.set(start + timedelta(days=5, minutes=1))
    assert sorted(await asyncio.gather(remind(), remind())) == [0, 1]
    clock.set(start + timedelta(days=7, minutes=1))
    assert sorted(await asyncio.gather(lapse(), lapse())) == [0, 1]
    async with session_factory() as session:
        back = await session.get(Wish, wish.id)
        assert back is not None
        assert (back.status, back.donor_id, back.times_lapsed) == (WishStatus.OPEN, None, 1)


async def test_deleting_one_s_data_erases_the_wish_words_and_the_thanks(
    session: AsyncSession, clock: ManualClock
) -> None:
    settings = _settings()
    wish, resident, _, _, neighbour = await _open_wish(session, clock)
    await wishes.light(session, neighbour, wish.id, wish.version, clock=clock, settings=settings)
    await wishes.mark_delivered(
        session, neighbour, wish.id, wish.version, WishDelivery.VOLUNTEER, clock=clock
    )
    await wishes.confirm_received(session, resident, wish.id, clock=clock, settings=settings)
    thanks = "谢谢你送来的大衣，很暖和"
    await wishes.send_thanks(
        session, resident, wish.id, text=thanks, voice_file_id="voice-1", photo_file_id=None,
        clock=clock,
    )  # fmt: skip
    second, _ = await wishes.post_wish(session, resident, COAT, clock=clock)
    erased = await erasure.erase_traces(session, resident, clock=clock)
    assert "A warm winter coat, size L" in erased.values.texts
    assert "谢谢你送来的大衣，很暖和" in erased.values.texts
    await session.refresh(wish)
    await session.refresh(second)
    assert (wish.description, wish.thanks_text, wish.thanks_voice_file_id) == ("", None, None)
    assert wish.status is WishStatus.RECEIVED  # the numbers stay
    assert (second.status, second.description) == (WishStatus.CANCELLED, "")


async def test_a_donor_who_deletes_their_data_gives_the_wish_back(
    session: AsyncSession, clock: ManualClock
) -> None:
    settings = _settings()
    wish, _, _, _, neighbour = await _open_wish(session, clock)
    await wishes.light(session, neighbour, wish.id, wish.version, clock=clock, settings=settings)
    await erasure.erase_traces(session, neighbour, clock=clock)
    await session.refresh(wish)
    assert (wish.status, wish.donor_id) == (WishStatus.OPEN, None)


async def test_a_coordinator_who_deletes_their_data_leaves_the_wishes_they_wrote_for_others(
    session: AsyncSession, clock: ManualClock
) -> None:
    _, coordinator, _, _ = await _cast(session, clock)
    household = await households.open_household(
        session, community_id=coordinator.community_id or 1, label="周伯伯家",
        now=clock.now(), by=coordinator,
    )  # fmt: skip
    wish, _ = await wishes.post_wish(
        session, coordinator, COAT, clock=clock, household_id=household.id
    )
    assert wish.for_someone and wish.area == ""  # not the coordinator's own building
    await erasure.erase_traces(session, coordinator, clock=clock)
    await session.refresh(wish)
    assert (wish.status, wish.description) == (WishStatus.PENDING, COAT.description)


async def test_each_community_names_its_own_pick_up_point_or_inherits_one(
    session: AsyncSession, clock: ManualClock
) -> None:
    """A donor of a wish is told the pick-up point of the wish's community: its own, else its
    street's, else WISH_PICKUP_POINT; another community's is never offered."""
    settings = load_settings(_env_file=None, wish_pickup_point="社区服务中心一楼")
    wish, *_ = await _open_wish(session, clock)
    street = await add_community(
        session, name="North Street", slug="north", level=CommunityLevel.STREET,
        pickup_point="街道党群服务中心", clock=clock,
    )  # fmt: skip
    east = await add_community(
        session, name="East Lane", slug="east", parent_slug="north", clock=clock
    )
    west = await add_community(
        session, name="West Lane", slug="west", parent_slug="north",
        pickup_point="西巷老年活动室", clock=clock,
    )  # fmt: skip
    assert await wishes.pickup_point_for(session, settings, wish.id) == "社区服务中心一楼"
    session.info.clear()  # the tree is read once per session: read it again
    tree = await communities.tree(session, settings)
    assert tree.settings(east.id).pickup_point == "街道党群服务中心"  # the street's
    assert tree.settings(west.id).pickup_point == "西巷老年活动室"
    assert tree.settings(street.id).pickup_point == "街道党群服务中心"
    wish.community_id = west.id
    await session.flush()
    assert await wishes.pickup_point_for(session, settings, wish.id) == "西巷老年活动室"
    assert await wishes.pickup_point_for(session, settings, 999_999) == ""


async def test_a_wish_verified_while_its_communitys_campaign_runs_joins_it(
    session: AsyncSession, clock: ManualClock
) -> None:
    """The counter counts a wish verified on the day; another community's stays out."""
    _first, resident, coordinator, *_ = await _open_wish(session, clock)
    campaign, joined = await wish_campaigns.open_campaign(
        session, coordinator, title="点亮心愿日", day=clock.now().date(), clock=clock,
        settings=None,
    )  # fmt: skip
    assert joined == 1 and (await wish_campaigns.tally(session, campaign.id)).total == 1
    later, _ = await wishes.post_wish(session, resident, COAT, clock=clock)
    later = await wishes.approve(session, coordinator, later, later.version, clock=clock)
    assert later.campaign_id == campaign.id
    assert (await wish_campaigns.tally(session, campaign.id)).total == 2

    east = await add_community(session, name="East Lane", slug="east", clock=clock)
    eva = await make_person(session, clock, 21, UserRole.COORDINATOR, community_id=east.id)
    bo = await make_person(session, clock, 22, UserRole.RESIDENT, community_id=east.id)
    session.info.clear()  # the community tree is read once per session
    theirs, _ = await wishes.post_wish(session, bo, COAT, clock=clock)
    theirs = await wishes.approve(session, eva, theirs, theirs.version, clock=clock)
    assert theirs.campaign_id is None
    assert (await wish_campaigns.tally(session, campaign.id)).total == 2
