"""The mutual-aid fund below the chat: money received, a payout approved by two coordinators
who did not ask for it (also when they press at the same moment), a fund that cannot go below
zero, the public ledger that names households by code only, and the coordinators' export. On
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.i18n import create_i18n
from bot.services import fund, fund_posts, fund_reports, households, ledger, users
from bot.services.communities import FIRST_COMMUNITY_ID
from bot.services.errors import NotAllowed
from bot.services.fund import ApprovedAlready, FundTooLow, PayoutDecided, SelfApproval
from bot.views.fund import public_ledger_text
from storage.models import (
    AuditEvent,
    FundPayout,
    FundReader,
    LedgerTransfer,
    PayoutStatus,
    User,
    UserRole,
)
from tests.people import make_person

pytestmark = pytest.mark.postgresql
C = FIRST_COMMUNITY_ID
LABEL, ADDRESS, DONOR, NOTE = "周伯伯家", "幸福里 3栋 502", "陈大明", "住院押金"
PHONE = "13800138000"


async def _cast(session: AsyncSession, clock: ManualClock) -> tuple[list[User], int]:
    """Four coordinators (Lin asks, the others approve), a household with a resident, and
    ¥1,000 received from a named donor."""
    names = ("Lin", "Wu", "Zhao", "Qian")
    coordinators = [
        await make_person(session, clock, 10 + n, UserRole.COORDINATOR, name=name)
        for n, name in enumerate(names)
    ]
    home = await households.open_household(
        session, community_id=C, label=LABEL, now=clock.now(), by=coordinators[0], address=ADDRESS
    )
    zhou = await make_person(session, clock, 30, UserRole.RESIDENT, name="Zhou Bo", phone=PHONE)
    zhou.household_id = home.id
    await fund.record_received(
        session, coordinators[0], community_id=C, amount=100_000, donor=DONOR,
        receipt_file_id="photo-1", now=clock.now(),
    )  # fmt: skip
    return coordinators, home.id


async def test_a_payout_needs_two_others_approval_then_it_is_paid(
    session: AsyncSession, clock: ManualClock
) -> None:
    (lin, wu, zhao, _), home = await _cast(session, clock)
    payout = await fund.request_payout(
        session, lin, household_id=home, amount=30_000, category="medical", note=NOTE,
        now=clock.now(),
    )  # fmt: skip
    with pytest.raises(SelfApproval):
        await fund.approve_payout(session, lin, payout.id, now=clock.now())
    first = await fund.approve_payout(session, wu, payout.id, now=clock.now())
    assert not first.paid and first.payout.status is PayoutStatus.PENDING
    with pytest.raises(ApprovedAlready):
        await fund.approve_payout(session, wu, payout.id, now=clock.now())
    second = await fund.approve_payout(session, zhao, payout.id, now=clock.now())
    assert second.paid and second.payout.status is PayoutStatus.PAID
    with pytest.raises(PayoutDecided):
        await fund.approve_payout(session, lin, payout.id, now=clock.now())
    box = await fund.fund_account(session, C, now=clock.now())
    assert await ledger.balance_of(session, box) == 70_000
    transfer = await session.get(LedgerTransfer, second.payout.transfer_id)
    assert transfer is not None and (transfer.kind, transfer.category) == ("fund.payout", "medical")
    actions = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert [a for a in actions if a.startswith(("fund.", "ledger."))] == [
        *("ledger.transfer", "fund.payout_asked", "fund.payout_approved"),
        *("ledger.transfer", "fund.payout_paid"),
    ]


async def test_only_coordinators_keep_the_fund_and_it_never_goes_below_zero(
    session: AsyncSession, clock: ManualClock
) -> None:
    (lin, wu, zhao, _), home = await _cast(session, clock)
    tao = await make_person(session, clock, 40, UserRole.VOLUNTEER, name="Tao")
    with pytest.raises(NotAllowed):
        await fund.record_received(
            session, tao, community_id=C, amount=100, donor=None, receipt_file_id=None,
            now=clock.now(),
        )  # fmt: skip
    with pytest.raises(FundTooLow):
        await fund.request_payout(
            session, lin, household_id=home, amount=100_001, category="food", note=None,
            now=clock.now(),
        )  # fmt: skip
    one, two = [
        await fund.request_payout(
            session,
            lin,
            household_id=home,
            amount=60_000,
            category="food",
            note=None,
            now=clock.now(),
        )
        for _ in range(2)
    ]
    for payout in (one, two):
        await fund.approve_payout(session, wu, payout.id, now=clock.now())
    assert (await fund.approve_payout(session, zhao, one.id, now=clock.now())).paid
    with pytest.raises(FundTooLow) as low:
        await fund.approve_payout(session, zhao, two.id, now=clock.now())
    assert low.value.balance == 40_000
    row = await session.get(FundPayout, two.id, populate_existing=True)
    assert row is not None and row.status is PayoutStatus.PENDING and row.transfer_id is None
    assert fund.parse_amount("¥300.50") == 30_050 and fund.parse_amount("1,200元") == 120_000
    assert fund.parse_amount("three hundred") is None and fund.parse_amount("0") is None


async def test_two_coordinators_pressing_at_once_give_one_payout(
    session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    async with session_factory() as session:
        (lin, wu, zhao, qian), home = await _cast(session, clock)
        payout = await fund.request_payout(
            session, lin, household_id=home, amount=30_000, category="medical", note=None,
            now=clock.now(),
        )  # fmt: skip
        await session.commit()
        ids = (payout.id, wu.id, zhao.id, qian.id)

    async def press(person_id: int) -> str:
        async with session_factory() as s:
            person = await s.get(User, person_id)
            try:
                done = await fund.approve_payout(s, person, ids[0], now=clock.now())
            except (PayoutDecided, ApprovedAlready) as error:
                return type(error).__name__
            await s.commit()
            return "paid" if done.paid else "first"

    # the same coordinator twice at once: one approval
    assert sorted(await asyncio.gather(press(ids[1]), press(ids[1]))) == [
        "ApprovedAlready",
        "first",
    ]
    # the two others at once: one of them pays it, once
    assert sorted(await asyncio.gather(press(ids[2]), press(ids[3]))) == ["PayoutDecided", "paid"]
    async with session_factory() as session:
        payouts = list(
            await session.scalars(
                select(LedgerTransfer).where(LedgerTransfer.kind == "fund.payout")
            )
        )
        assert len(payouts) == 1
        box = await fund.fund_account(session, C, now=clock.now())
        assert await ledger.balance_of(session, box) == 70_000


async def test_the_public_ledger_names_households_by_code_only(
    session: AsyncSession, clock: ManualClock
) -> None:
    (lin, wu, zhao, _), home = await _cast(session, clock)
    payout = await fund.request_payout(
        session, lin, household_id=home, amount=30_000, category="medical", note=NOTE,
        now=clock.now(),
    )  # fmt: skip
    await fund.approve_payout(session, wu, payout.id, now=clock.now())
    await fund.approve_payout(session, zhao, payout.id, now=clock.now())
    book = await fund_reports.public_ledger(
        session, C, since=clock.now() - timedelta(days=1), until=clock.now() + timedelta(seconds=1)
    )
    i18n = create_i18n("en")
    for locale, line in (("zh_Hans", "A1 · ¥300 · 医疗"), ("en", "A1 · ¥300 · medical")):
        with i18n.context(), i18n.use_locale(locale):
            text = public_ledger_text(book, "幸福里社区", "2026-03")
        assert line in text and "¥1,000" in text and "¥700" in text
        for private in (LABEL, ADDRESS, DONOR, NOTE, PHONE, "Zhou", "Lin", "Wu", "Zhao", "3栋"):
            assert private not in text, (locale, private)

    csv_text = await fund_reports.export_csv(session, lin, C, now=clock.now())
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert {row["memo"] for row in rows} >= {DONOR, NOTE}
    assert "household A1" in {row["account"] for row in rows}
    assert sum(int(row["amount"]) for row in rows) == 0
    exported = await session.scalar(
        select(AuditEvent).where(AuditEvent.action == "ledger.exported")
    )
    assert exported is not None and exported.actor_id == lin.id
    tao = await make_person(session, clock, 40, UserRole.VOLUNTEER, name="Tao")
    with pytest.raises(NotAllowed):
        await fund_reports.export_csv(session, tao, C, now=clock.now())


async def test_a_reversed_payout_leaves_the_public_ledger_and_typed_cells_stay_inert(
    session: AsyncSession, clock: ManualClock
) -> None:
    (lin, wu, zhao, _), home = await _cast(session, clock)
    payout = await fund.request_payout(
        session, lin, household_id=home, amount=30_000, category="food", note="=HYPERLINK(1)",
        now=clock.now(),
    )  # fmt: skip
    await fund.approve_payout(session, wu, payout.id, now=clock.now())
    paid = await fund.approve_payout(session, zhao, payout.id, now=clock.now())
    assert paid.payout.transfer_id is not None
    await ledger.correct(
        session, lin, paid.payout.transfer_id, reason="paid twice by mistake", now=clock.now()
    )
    book = await fund_reports.public_ledger(
        session, C, since=clock.now() - timedelta(days=1), until=clock.now() + timedelta(seconds=1)
    )
    assert (book.received, book.paid_out, book.corrections, book.balance) == (
        100_000, 30_000, 30_000, 100_000,
    )  # fmt: skip
    assert book.payouts == []
    rows = list(
        csv.DictReader(io.StringIO(await fund_reports.export_csv(session, lin, C, now=clock.now())))
    )
    assert "'=HYPERLINK(1)" in {row["memo"] for row in rows}


async def test_reading_the_monthly_ledger_is_opt_in_and_ends_with_deleting_one_s_data(
    session: AsyncSession, clock: ManualClock
) -> None:
    _, _ = await _cast(session, clock)
    mei = await make_person(session, clock, 50, UserRole.RESIDENT, name="Mei")
    assert await fund_posts.reads_monthly(session, mei) is False
    assert await fund_posts.set_monthly(session, mei, True, now=clock.now()) is True
    assert [reader.id for reader in await fund_posts.readers(session, C)] == [mei.id]
    await users.delete_personal_data(session, mei, clock=clock)
    assert await fund_posts.readers(session, C) == []
    assert await session.get(FundReader, mei.id) is None
