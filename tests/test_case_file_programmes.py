"""A household's case file reads the other programmes too: its small wishes, the fund's
payouts to it and the time it gave back are in its timeline, in order, in Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.i18n import create_i18n
from bot.services import case_file, households, ledger
from bot.views.case_file import entry_text
from storage.models import FundPayout, UserRole, Wish, WishKind, WishStatus
from storage.models.ledger import PayoutStatus
from tests.people import make_person

pytestmark = pytest.mark.postgresql  # the ledger's join and the reversal left out


async def test_wishes_payouts_and_time_given_back_are_in_the_timeline(
    session: AsyncSession, clock: ManualClock
) -> None:
    zhou = await make_person(session, clock, 1, UserRole.RESIDENT, name="周伯伯")
    home = await households.household_of(session, zhou, now=clock.now())
    start = clock.now()
    session.add(
        Wish(
            community_id=home.community_id, household_id=home.id, kind=WishKind.ITEM,
            description="一件冬衣", status=WishStatus.RECEIVED, created_at=start,
            updated_at=start, received_at=start + timedelta(days=3),
        )
    )  # fmt: skip
    session.add(
        FundPayout(
            community_id=home.community_id, household_id=home.id, amount=300_00,
            category="medical", status=PayoutStatus.PAID, requested_at=start,
            paid_at=start + timedelta(days=1),
        )
    )  # fmt: skip
    await ledger.credit_time(
        session, community_id=home.community_id, household_id=home.id, minutes=30,
        now=start + timedelta(days=2), source="test:given",
    )  # fmt: skip
    wrong = await ledger.credit_time(
        session, community_id=home.community_id, person_id=zhou.id, minutes=45,
        now=start + timedelta(days=4), source="test:slip",
    )  # fmt: skip
    await ledger.reverse(
        session, wrong.id, reason="typed twice", now=start + timedelta(days=5), by_id=None
    )
    await session.flush()

    entries = await case_file.timeline(session, home, [zhou])
    i18n = create_i18n("zh_Hans")
    with i18n.context(), i18n.use_locale("zh_Hans"):
        lines = [entry_text(entry) for entry in entries]
    # newest first; the 45 minutes typed by mistake and reversed are left out
    assert [entry.kind for entry in entries] == ["wish_received", "time", "payout", "wish"]
    assert lines[1].startswith("🤲 奉献了时间：") and "30" in lines[1]
    assert "45" not in "".join(lines)
    assert lines[2] == "💰 互助基金支付了 ¥300（医疗）"
    assert lines[0].startswith("🎁 微心愿实现了：") and lines[3].endswith("（已收到）")
