"""The time bank (爱心时间) below the chat: a finished task and a logged visit credit the
helper's time account in the same transaction, once; a corrected visit is reversed and
credited anew; time given by a resident is credited the same way; the upgrade carries the
time already given into the ledger. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.services import claims, give_back, ledger, time_bank, users, visits
from bot.services.communities import FIRST_COMMUNITY_ID
from bot.services.errors import NotAllowed, RequestChanged
from storage.db import create_engine, create_session_factory
from storage.migrate import alembic_config
from storage.models import GiveBackNudge, LedgerEntry, LedgerTransfer, UserRole, VisitOutcome
from tests.people import make_person
from tests.test_requests import _open_request
from tests.test_visits import _paired

pytestmark = pytest.mark.postgresql
C = FIRST_COMMUNITY_ID


async def _balance(session: AsyncSession, person_id: int, clock: ManualClock) -> tuple[int, int]:
    summary = await ledger.time_summary(
        session, person_id, month_start=clock.now() - timedelta(days=31)
    )
    return summary.balance, summary.entries


async def test_a_finished_task_credits_its_minutes_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    request_id, _, _, volunteer = await _open_request(session, clock)
    await claims.claim_task(session, volunteer, request_id, clock=clock, max_open_claims=3)
    await claims.complete_task(session, volunteer, request_id, 45, clock=clock)
    with pytest.raises(RequestChanged):  # the step again (a retried update): refused, no credit
        await claims.complete_task(session, volunteer, request_id, 45, clock=clock)
    again = await ledger.credit_time(  # the same source from elsewhere: the same transfer
        session,
        community_id=C,
        person_id=volunteer.id,
        minutes=45,
        now=clock.now(),
        source=f"request:{request_id}",
        kind=ledger.TIME_TASK,
    )
    assert again.source == f"request:{request_id}"
    assert await _balance(session, volunteer.id, clock) == (45, 1)
    pool = await ledger.time_pool(session, C, now=clock.now())
    assert await ledger.balance_of(session, pool) == -45


async def test_a_logged_visit_credits_and_a_correction_reverses_then_credits(
    session: AsyncSession, clock: ManualClock
) -> None:
    _, _, volunteer, visit = await _paired(session, clock)
    clock.set(visit.scheduled_at + timedelta(hours=1))
    await visits.log_visit(
        session, volunteer, visit.id, outcome=VisitOutcome.DONE, wellbeing=3, clock=clock
    )
    assert await _balance(session, volunteer.id, clock) == (60, 1)
    await visits.set_minutes(session, volunteer, visit.id, 90, clock=clock)
    await visits.set_minutes(session, volunteer, visit.id, 90, clock=clock)  # the same: nothing
    assert await _balance(session, volunteer.id, clock) == (90, 3)
    reversal = (
        await session.scalars(select(LedgerTransfer).where(LedgerTransfer.kind == ledger.REVERSAL))
    ).one()
    assert reversal.reason == "minutes corrected"
    assert await session.scalar(select(func.sum(LedgerEntry.amount))) == 0


async def test_time_given_by_a_resident_is_hers_to_read(
    session: AsyncSession, clock: ManualClock
) -> None:
    mei = await make_person(session, clock, 1, UserRole.RESIDENT, name="Mei")
    with pytest.raises(NotAllowed):  # nothing to read yet
        await time_bank.my_time(session, mei, clock=clock)
    await ledger.credit_time(
        session,
        community_id=C,
        person_id=mei.id,
        minutes=30,
        now=clock.now(),
        source="given:1",
        by_id=None,
    )
    page = await time_bank.my_time(session, mei, clock=clock)
    assert (page.summary.balance, page.summary.this_month, len(page.lines)) == (30, 30, 1)


def _down_and_up(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "0013")
    command.upgrade(config, "head")


async def test_the_upgrade_carries_the_time_already_given(
    database_url: str, clock: ManualClock
) -> None:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            request_id, _, _, volunteer = await _open_request(session, clock)
            await claims.claim_task(session, volunteer, request_id, clock=clock, max_open_claims=3)
            await claims.complete_task(session, volunteer, request_id, 45, clock=clock)
            await session.commit()
            volunteer_id = volunteer.id
        async with engine.begin() as connection:  # as if the ledger came after the task
            await connection.run_sync(_down_and_up)
        async with create_session_factory(engine)() as session:
            assert await _balance(session, volunteer_id, clock) == (45, 1)
            carried = (await session.scalars(select(LedgerTransfer))).one()
            assert (carried.source, carried.kind) == (f"request:{request_id}", ledger.TIME_TASK)
            # and the bot goes on from there without crediting it again
            again = await ledger.credit_time(
                session,
                community_id=C,
                person_id=volunteer_id,
                minutes=45,
                now=clock.now(),
                source=f"request:{request_id}",
                kind=ledger.TIME_TASK,
            )
            assert again.id == carried.id
    finally:
        await engine.dispose()


async def test_a_coordinator_corrects_a_credit_with_a_reason(
    session: AsyncSession, clock: ManualClock
) -> None:
    lin = await make_person(session, clock, 2, UserRole.COORDINATOR, name="Lin")
    tao = await make_person(session, clock, 3, UserRole.VOLUNTEER, name="Tao")
    credit = await ledger.credit_time(
        session, community_id=C, person_id=tao.id, minutes=600, now=clock.now(), source="given:9"
    )
    with pytest.raises(NotAllowed):  # a volunteer corrects nothing, not even her own
        await ledger.correct(session, tao, credit.id, reason="too much", now=clock.now())
    reversal = await ledger.correct(
        session, lin, credit.id, reason="typed 600 for 60", now=clock.now()
    )
    assert (reversal.reverses_id, reversal.created_by_id) == (credit.id, lin.id)
    assert await _balance(session, tao.id, clock) == (0, 2)


async def test_only_residents_opt_in_to_the_give_back_word_and_deleting_ends_it(
    session: AsyncSession, clock: ManualClock
) -> None:
    tao = await make_person(session, clock, 3, UserRole.VOLUNTEER, name="Tao")
    mei = await make_person(session, clock, 1, UserRole.RESIDENT, name="Mei")
    assert await give_back.wants_nudges(session, tao) is None
    with pytest.raises(NotAllowed):
        await give_back.set_nudges(session, tao, True, now=clock.now())
    assert await give_back.set_nudges(session, mei, True, now=clock.now()) is True
    assert await give_back.take_due(session, now=clock.now()) == []  # never helped yet
    await users.delete_personal_data(session, mei, clock=clock)
    assert await session.get(GiveBackNudge, mei.id) is None
