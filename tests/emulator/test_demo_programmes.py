"""The demo's programmes: a campaign day of wishes with its live counter and closing report, a
household that gave time back, and the fund with two-person payouts and its public ledger,
seeded through the services and shown in the right chats on first start."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.config import load_settings
from bot.demo.personas import (
    COORDINATOR,
    COORDINATORS_GROUP_ID,
    EXTRA_COORDINATORS,
    FIRST_COMMUNITY_NAME,
    VOLUNTEER,
    VOLUNTEERS_GROUP_ID,
)
from bot.demo.runner import DemoRunner
from bot.demo.seed import seed_demo_community
from bot.demo.seed_programmes import (
    CAMPAIGN_TITLE,
    EAST_WISHES,
    FIRST_WISHES,
    FUND_CAMPAIGN,
    PAID,
    RECEIVED,
    STORE,
    TIME_GIVEN_MINUTES,
    VOLUNTEER_HOURS,
)
from bot.emulator.actors import ChatMessage
from bot.services import fund_campaigns, ledger, storehouse, wish_campaigns
from bot.services.communities import FIRST_COMMUNITY_ID
from bot.services.fund import fund_account
from storage.models import AccountOwner, LedgerUnit, PayoutStatus, User, Wish, WishStatus
from storage.repositories import ledger as ledger_queries

ALL = 2 + len(FIRST_WISHES) + len(EAST_WISHES)  # with seed_wishes' two verified ones
LIT = sum(item.lit for item in (*FIRST_WISHES, *EAST_WISHES))
FIRST_LIT = sum(item.lit for item in FIRST_WISHES)


async def test_the_programmes_went_through_the_services(
    session: AsyncSession, clock: ManualClock
) -> None:
    settings = load_settings(_env_file=None)
    community = await seed_demo_community(session, clock, settings=settings)
    await session.commit()
    assert community is not None
    seeded = community.programmes

    # the campaign: every verified wish of both communities, some lit by neighbours
    assert seeded.campaign is not None and seeded.campaign.title == CAMPAIGN_TITLE
    assert community.district_coordinator is not None
    assert seeded.campaign.node_id == community.district_coordinator.community_id
    counted = await wish_campaigns.tally(session, seeded.campaign.id)
    assert (counted.lit, counted.total) == (LIT, ALL)
    assert 20 <= ALL <= 60 and 0 < LIT < ALL / 2  # a few dozen; most left to light
    joined = (await session.scalars(select(Wish).where(Wish.campaign_id.is_not(None)))).all()
    assert {w.community_id for w in joined} == {FIRST_COMMUNITY_ID, community.east[0].community_id}
    assert all(w.reviewed_by_id is not None and w.area for w in joined)  # verified, an area
    lit = [w for w in joined if w.status is WishStatus.LIT]
    assert len(lit) == LIT and all(w.donor_id and w.due_at for w in lit)
    assert all(w.value_yuan is None for w in joined if w.kind.value == "service")

    # 陳伯's household gave time back; his grandson (the page's volunteer) lives there
    home = seeded.gave_back
    assert home is not None
    chen, grandson = community.residents[2], community.volunteers[0]
    assert chen.household_id == grandson.household_id == home.id
    key = ledger.account_key(
        AccountOwner.HOUSEHOLD, FIRST_COMMUNITY_ID, LedgerUnit.MINUTES, home.id
    )
    account = await ledger_queries.account_by_key(session, key)
    assert account is not None
    assert await ledger.balance_of(session, account) == TIME_GIVEN_MINUTES

    # the fund: one payout approved by two coordinators, never the one who asked
    (paid,), ((waiting, _),) = seeded.paid, seeded.waiting
    asker = await session.get(User, paid.requested_by_id)
    assert asker is not None and asker.display_name == EXTRA_COORDINATORS[0].name
    assert paid.status is PayoutStatus.PAID and paid.transfer_id is not None
    approvers = {paid.first_approver_id, paid.second_approver_id}
    assert approvers == {community.district_coordinator.id, community.coordinator.id}
    assert waiting.status is PayoutStatus.PENDING
    assert waiting.first_approver_id == community.district_coordinator.id
    assert waiting.requested_by_id == asker.id and waiting.second_approver_id is None
    fund = await fund_account(session, FIRST_COMMUNITY_ID, now=clock.now())
    title, goal, gifts = FUND_CAMPAIGN
    received = sum(amount for amount, _ in (*RECEIVED, *gifts))
    assert await ledger.balance_of(session, fund) == received - paid.amount

    # a fund campaign with a goal, part raised; the volunteer's hours; the storehouse's stock
    campaign = seeded.fund_campaign
    assert campaign is not None and campaign.title == title and campaign.closed_at is None
    progress = await fund_campaigns.progress(session, campaign)
    assert (progress.raised, progress.goal) == (sum(a for a, _ in gifts), goal)
    hours = await ledger.time_summary(
        session, community.volunteers[0].id, month_start=clock.now() - timedelta(days=60)
    )
    assert hours.entries == len(VOLUNTEER_HOURS)
    assert hours.balance == sum(minutes for _days, minutes in VOLUNTEER_HOURS)
    items = await storehouse.items_of(session, community.coordinator, FIRST_COMMUNITY_ID, settings)
    assert {item.name: item.stock for item in items} == {
        name: received - given for name, _u, _f, _l, received, _e, _d, given in STORE
    }


@pytest.fixture
async def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DemoRunner]:
    monkeypatch.setenv("SCHEDULER_INTERVAL_SECONDS", "3600")  # only the clock's hook ticks
    runner = DemoRunner(load_settings(_env_file=None, data_dir=tmp_path / "data"))
    await runner.start(port=0)
    yield runner
    await runner.stop()


def shown(messages: Callable[[], list[ChatMessage]], *texts: str) -> Callable[[], bool]:
    """Some message of the chat says all of `texts` (a sent one, or one edited since)."""
    return lambda: any(all(t in m.text for t in texts) for m in messages())


async def test_a_viewer_lights_a_wish_approves_a_payout_and_the_day_closes(
    demo: DemoRunner,
) -> None:
    coordinators = demo.api.groups[COORDINATORS_GROUP_ID]
    volunteers = demo.api.groups[VOLUNTEERS_GROUP_ID]
    counter = f"已点亮：{LIT} / {ALL}"

    def in_coordinators() -> list[ChatMessage]:
        return coordinators.messages

    def in_volunteers() -> list[ChatMessage]:
        return volunteers.messages

    # first start: the live counter in both groups, the payout's card for its second
    # approval, last month's public ledger in the volunteers' group (codes only)
    await demo.api.wait_until(shown(in_coordinators, CAMPAIGN_TITLE, counter), timeout=10)
    await demo.api.wait_until(shown(in_volunteers, CAMPAIGN_TITLE, counter), timeout=10)
    await demo.api.wait_until(shown(in_volunteers, "互助基金", " · ¥300 · 医疗"), timeout=10)
    ledger_post = next(m for m in volunteers.messages if "互助基金" in m.text)
    assert "收到：¥4,200" in ledger_post.text and PAID[0] not in ledger_post.text  # no label
    await demo.api.wait_until(shown(in_coordinators, "等待第二位工作人员批准"), timeout=10)
    card = next(m for m in coordinators.messages if "等待第二位工作人员批准" in m.text)
    assert ["✅ 批准这笔支出"] in card.buttons

    # the fund campaign's progress message in both groups
    progress = "已筹 ¥3,200 / ¥5,000"
    await demo.api.wait_until(shown(in_coordinators, FUND_CAMPAIGN[0], progress), timeout=10)
    await demo.api.wait_until(shown(in_volunteers, FUND_CAMPAIGN[0], progress), timeout=10)

    # the page's volunteer reads the time his household gave back in his hours (Traditional)
    volunteer = demo.api.users[VOLUNTEER.telegram_id]
    await volunteer.send_text("⏱ 我的服務時數")
    hours = await volunteer.wait_for_message(lambda m: "回饋的時間" in m.text)
    assert "1 小時 30 分鐘" in hours.text, hours.text
    # and asks for his certificate of the 3 h 15 min he gave, as a PDF
    await volunteer.tap("📜 時數證明")
    await volunteer.tap("🖨 列印檔案")
    pdf = await volunteer.wait_for_message(lambda m: m.document is not None, timeout=30)
    assert (pdf.file_bytes or b"").startswith(b"%PDF")

    # he lights a wish; at the next tick both counters move
    await volunteer.send_text("🕯 點亮心願")
    await volunteer.wait_for_message(lambda m: "我來點亮" in str(m.buttons))
    await volunteer.tap("🕯 我來點亮")
    await demo.advance(timedelta(minutes=5))
    moved = f"已点亮：{LIT + 1} / {ALL}"
    await demo.api.wait_until(shown(in_coordinators, moved), timeout=10)
    await demo.api.wait_until(shown(in_volunteers, moved), timeout=10)

    # the page's coordinator gives the payout its second approval, in the group
    coordinator = demo.api.users[COORDINATOR.telegram_id].in_group(coordinators)
    await coordinator.tap("✅ 批准这笔支出", message_id=card.message_id)
    await demo.api.wait_until(shown(in_coordinators, "已经两人批准，记为已付"), timeout=10)

    # the day ends: the counters say so and the coordinators get the closing figures
    await demo.advance(timedelta(days=1))
    await demo.api.wait_until(shown(in_coordinators, "活动结束了", moved), timeout=10)
    await demo.api.wait_until(shown(in_volunteers, "活动结束了", moved), timeout=10)
    first = f"{FIRST_COMMUNITY_NAME}的{2 + len(FIRST_WISHES)}个心愿中有{FIRST_LIT + 1}个被点亮"
    await demo.api.wait_until(shown(in_coordinators, CAMPAIGN_TITLE, "已结束", first), timeout=10)
