"""Campaigns and corrections of the fund below the chat: a title shown in groups holds no
digits; what a campaign raised counts a gift corrected no more; the goal closes it once; a
correction is once only, and one that the fund can no longer pay back is refused; each
community's currency is inherited along the tree and its fund keeps its book in it. On SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.i18n import create_i18n
from bot.services import fund, fund_campaigns, fund_corrections, households, ledger
from bot.services.communities import (
    FIRST_COMMUNITY_ID,
    CommunityRefused,
    add_community,
    set_community,
    tree,
)
from bot.services.errors import NotAllowed
from bot.views.fund_campaigns import bar, progress_text
from storage.models import CommunityLevel, User, UserRole
from storage.repositories import case_file as case_file_queries
from tests.people import make_person

pytestmark = pytest.mark.postgresql
C = FIRST_COMMUNITY_ID


@pytest.fixture
def settings() -> Settings:
    return load_settings(_env_file=None, default_timezone="Asia/Shanghai")


async def _lin(session: AsyncSession, clock: ManualClock) -> User:
    return await make_person(session, clock, 10, UserRole.COORDINATOR, name="Lin")


@pytest.mark.parametrize(
    ("typed", "usable"),
    [
        ("为李奶奶筹集手术费", True),
        ("  冬衣  ", True),
        ("3栋502 李奶奶", False),  # a flat number
        ("联系 13800138000", False),  # a phone
        ("联系 １３８", False),  # full-width digits too
        ("", False),
        ("长" * 65, False),
    ],
)
def test_a_campaign_s_title_holds_no_digits(typed: str, usable: bool) -> None:
    if usable:
        assert fund_campaigns.clean_title(typed) == typed.strip()
    else:
        with pytest.raises(fund_campaigns.TitleInvalid):
            fund_campaigns.clean_title(typed)


def test_the_progress_bar() -> None:
    assert bar(0) == "░" * 10 and bar(64) == "▓" * 6 + "░" * 4 and bar(250) == "▓" * 10
    i18n = create_i18n("en")
    half = fund_campaigns.Progress("冬衣", 320_000, 500_000, "CNY", None, None)
    reached = fund_campaigns.Progress("冬衣", 500_000, 500_000, "HKD", fund_campaigns.GOAL, None)
    with i18n.context(), i18n.use_locale("zh_Hans"):
        assert "已筹 ¥3,200 / ¥5,000 ▓▓▓▓▓▓░░░░ 64%" in progress_text(half)
        assert "目标达成" in progress_text(reached) and "HK$5,000" in progress_text(reached)
    with i18n.context(), i18n.use_locale("zh_Hant"):
        assert "已籌 ¥3,200 / ¥5,000" in progress_text(half)


async def test_a_gift_corrected_counts_no_more_and_the_goal_closes_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    lin = await _lin(session, clock)
    campaign = await fund_campaigns.open_campaign(
        session, lin, community_id=C, title="冬衣", goal=500_000, ends_on=None, now=clock.now()
    )
    first, _ = await fund_campaigns.record_gift(
        session, lin, community_id=C, campaign_id=campaign.id, amount=320_000, donor="陈大明",
        receipt_file_id=None, now=clock.now(),
    )  # fmt: skip
    await fund_campaigns.record_gift(
        session, lin, community_id=C, campaign_id=None, amount=99_000, donor=None,
        receipt_file_id=None, now=clock.now(),
    )  # fmt: skip
    assert await fund_campaigns.raised(session, campaign) == 320_000  # the other gift is not its
    done = await fund_corrections.correct(session, lin, first.id, reason="typo", now=clock.now())
    assert done.amount == 320_000 and done.campaign is not None
    assert await fund_campaigns.raised(session, campaign) == 0
    with pytest.raises(ledger.AlreadyReversed):
        await fund_corrections.correct(session, lin, first.id, reason="again", now=clock.now())
    await fund_campaigns.record_gift(
        session, lin, community_id=C, campaign_id=campaign.id, amount=600_000, donor=None,
        receipt_file_id=None, now=clock.now(),
    )  # fmt: skip
    assert campaign.closed_why == fund_campaigns.GOAL
    with pytest.raises(fund_campaigns.CampaignClosed):
        await fund_campaigns.record_gift(
            session, lin, community_id=C, campaign_id=campaign.id, amount=100, donor=None,
            receipt_file_id=None, now=clock.now(),
        )  # fmt: skip
    with pytest.raises(fund_campaigns.CampaignClosed):
        await fund_campaigns.close_campaign(
            session, lin, campaign.id, community_id=C, now=clock.now()
        )


async def test_a_campaign_ends_after_its_last_day_where_it_runs(
    session: AsyncSession, clock: ManualClock
) -> None:
    lin = await _lin(session, clock)
    today = clock.now().date()
    campaign = await fund_campaigns.open_campaign(
        session, lin, community_id=C, title="冬衣", goal=100, ends_on=today, now=clock.now()
    )
    shanghai = "Asia/Shanghai"
    assert not await fund_campaigns.close_if_ended(
        session, campaign, now=clock.now(), timezone=shanghai
    )
    later = clock.now() + timedelta(days=2)
    assert await fund_campaigns.close_if_ended(session, campaign, now=later, timezone=shanghai)
    assert not await fund_campaigns.close_if_ended(session, campaign, now=later, timezone=shanghai)
    assert campaign.closed_why == fund_campaigns.ENDED and campaign.ends_on == today
    assert isinstance(campaign.ends_on, date)


async def test_money_paid_out_since_cannot_be_corrected_out_of_the_fund(
    session: AsyncSession, clock: ManualClock
) -> None:
    """A gift of ¥500 and a payout of ¥400 from it: undoing the gift would take the fund below
    zero, so it is refused whole; the payout can be undone, then the gift."""
    lin = await _lin(session, clock)
    wu, zhao = [
        await make_person(session, clock, 11 + n, UserRole.COORDINATOR, name=name)
        for n, name in enumerate(("Wu", "Zhao"))
    ]
    home = await households.open_household(
        session, community_id=C, label="周家", now=clock.now(), by=lin
    )
    gift = await fund.record_received(
        session, lin, community_id=C, amount=50_000, donor=None, receipt_file_id=None,
        now=clock.now(),
    )  # fmt: skip
    payout = await fund.request_payout(
        session, lin, household_id=home.id, amount=40_000, category="food", note=None,
        now=clock.now(),
    )  # fmt: skip
    await fund.approve_payout(session, wu, payout.id, now=clock.now())
    await fund.approve_payout(session, zhao, payout.id, now=clock.now())
    with pytest.raises(fund.FundTooLow) as too_low:
        await fund_corrections.correct(session, lin, gift.id, reason="typo", now=clock.now())
    assert too_low.value.balance == 10_000
    assert payout.transfer_id is not None
    await fund_corrections.correct(
        session, wu, payout.transfer_id, reason="wrong home", now=clock.now()
    )
    assert await case_file_queries.payouts_paid_to(session, home.id) == []  # not in its file
    await fund_corrections.correct(session, lin, gift.id, reason="typo", now=clock.now())
    balance, _ = await fund.balance_for(session, lin, C, now=clock.now())
    assert balance == 0


async def test_a_volunteer_and_another_community_s_coordinator_cannot_correct(
    session: AsyncSession, clock: ManualClock
) -> None:
    lin = await _lin(session, clock)
    gift = await fund.record_received(
        session, lin, community_id=C, amount=100, donor=None, receipt_file_id=None,
        now=clock.now(),
    )  # fmt: skip
    east = await add_community(session, name="East Lane", slug="east", clock=clock)
    other = await make_person(session, clock, 20, UserRole.COORDINATOR, name="Qian")
    other.community_id = east.id
    volunteer = await make_person(session, clock, 21, UserRole.VOLUNTEER, name="Tao")
    for who in (other, volunteer):
        with pytest.raises(NotAllowed):
            await fund_corrections.correct(session, who, gift.id, reason="no", now=clock.now())


async def test_the_currency_is_inherited_and_a_fund_keeps_its_book_in_it(
    session: AsyncSession, clock: ManualClock, settings: Settings
) -> None:
    street = await add_community(
        session,
        name="Huamu",
        slug="huamu",
        level=CommunityLevel.STREET,
        clock=clock,
        currency="HKD",
    )
    east = await add_community(
        session, name="East Lane", slug="east", parent_slug="huamu", clock=clock
    )
    communities = await tree(session, settings)
    assert communities.settings(east.id).currency == "HKD"  # the street's
    assert communities.settings(C).currency == "CNY"  # nobody set it: CNY
    with pytest.raises(CommunityRefused):
        await set_community(session, settings, "east", currency="hk$")
    account = await fund.fund_account(session, east.id, now=clock.now())
    assert account.currency == "HKD"
    with pytest.raises(CommunityRefused) as refused:
        await set_community(session, settings, "huamu", currency="USD")
    assert "HKD" in refused.value.reason
    await set_community(session, settings, "main", currency="USD")  # no fund yet: fine
    assert street.currency == "HKD"
