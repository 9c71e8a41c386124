"""The ledger's invariants on random sequences of transfers and reversals (hypothesis), on
SQLite and PostgreSQL: every transfer sums to zero per unit, every balance equals the sum of
its entries, no balance is ever below its limit, a reversal restores the balances, and a
second reversal (or a reversal of a reversal) is refused. A small model of the balances
says what each step must do."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import ledger
from bot.services.communities import FIRST_COMMUNITY_ID
from bot.services.ledger import AlreadyReversed, BelowLimit, NotReversible
from storage.models import AccountOwner, LedgerAccount, LedgerEntry, LedgerTransfer, LedgerUnit

pytestmark = pytest.mark.postgresql
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
C = FIRST_COMMUNITY_ID
# (unit, lower limit): two pools without a limit, the others never below 0 or -30
ACCOUNTS = (
    (LedgerUnit.MINUTES, None),
    (LedgerUnit.MINUTES, 0),
    (LedgerUnit.MINUTES, 0),
    (LedgerUnit.MINUTES, -30),
    (LedgerUnit.FEN, None),
    (LedgerUnit.FEN, 0),
    (LedgerUnit.FEN, 0),
)
_RUN = itertools.count()


@dataclass(frozen=True)
class Move:
    """Move `amount` from account `source` to `to` (both of `unit`), maybe to a third too."""

    unit: LedgerUnit
    pick: tuple[int, int, int]
    amounts: tuple[int, int]  # to the first and the second receiver (0: none)


@dataclass(frozen=True)
class Undo:
    which: int  # the n-th transfer made so far (modulo how many)


def _of(unit: LedgerUnit) -> list[int]:
    return [i for i, (u, _) in enumerate(ACCOUNTS) if u is unit]


moves = st.builds(
    Move,
    unit=st.sampled_from([LedgerUnit.MINUTES, LedgerUnit.FEN]),
    pick=st.tuples(*(st.integers(0, 2) for _ in range(3))),
    amounts=st.tuples(st.integers(1, 120), st.integers(0, 60)),
)
steps = st.lists(st.one_of(moves, st.builds(Undo, st.integers(0, 50))), min_size=1, max_size=14)


async def _accounts(session: AsyncSession) -> list[LedgerAccount]:
    run = next(_RUN)
    rows = [
        LedgerAccount(
            key=f"prop:{run}:{i}",
            community_id=C,
            owner=AccountOwner.POOL,
            unit=unit,
            currency="CNY" if unit is LedgerUnit.FEN else None,
            lower_limit=limit,
            balance=0,
            created_at=NOW,
        )
        for i, (unit, limit) in enumerate(ACCOUNTS)
    ]
    session.add_all(rows)
    await session.flush()
    return rows


def _legs(move: Move) -> list[tuple[int, int]]:
    """(account index, amount): the payer first, then one or two receivers."""
    pool = _of(move.unit)
    payer = pool[move.pick[0] % len(pool)]
    others = [i for i in pool if i != payer]
    first, second = others[move.pick[1] % len(others)], others[move.pick[2] % len(others)]
    legs = [(payer, -(move.amounts[0] + move.amounts[1])), (first, move.amounts[0])]
    if move.amounts[1]:
        legs.append((second, move.amounts[1]))
    return legs


def _fits(balances: list[int], effect: dict[int, int]) -> bool:
    return all(
        ACCOUNTS[i][1] is None or balances[i] + amount >= ACCOUNTS[i][1]  # type: ignore[operator]
        for i, amount in effect.items()
    )


async def _check_invariants(
    session: AsyncSession, rows: list[LedgerAccount], expected: list[int]
) -> None:
    ids = [row.id for row in rows]
    sums = dict(
        (
            await session.execute(
                select(LedgerEntry.account_id, func.sum(LedgerEntry.amount))
                .where(LedgerEntry.account_id.in_(ids))
                .group_by(LedgerEntry.account_id)
            )
        ).all()
    )
    kept = dict(
        (
            await session.execute(
                select(LedgerAccount.id, LedgerAccount.balance).where(LedgerAccount.id.in_(ids))
            )
        ).all()
    )
    for i, row in enumerate(rows):
        assert kept[row.id] == sums.get(row.id, 0) == expected[i], (i, kept, sums, expected)
        limit = ACCOUNTS[i][1]
        assert limit is None or kept[row.id] >= limit
    per_transfer: dict[tuple[int, LedgerUnit], int] = defaultdict(int)
    for transfer_id, unit, amount in (
        await session.execute(
            select(LedgerEntry.transfer_id, LedgerAccount.unit, LedgerEntry.amount)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(LedgerEntry.account_id.in_(ids))
        )
    ).all():
        per_transfer[(transfer_id, unit)] += amount
    assert not any(per_transfer.values())


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
async def test_random_transfers_and_reversals_keep_the_books(
    session_factory: async_sessionmaker[AsyncSession], sequence: list[Move | Undo]
) -> None:
    async with session_factory() as session:
        rows = await _accounts(session)
        balances = [0] * len(rows)
        made: list[tuple[LedgerTransfer, dict[int, int]]] = []  # transfer, effect by index
        reversed_ids: set[int] = set()
        reversals: set[int] = set()
        for step in sequence:
            if isinstance(step, Move):
                effect: dict[int, int] = defaultdict(int)
                for i, amount in _legs(step):
                    effect[i] += amount
                legs = [(rows[i], amount) for i, amount in _legs(step)]
                if _fits(balances, effect):
                    transfer = await ledger.post(
                        session, community_id=C, kind="test", legs=legs, now=NOW, by_id=None
                    )
                    made.append((transfer, effect))
                    for i, amount in effect.items():
                        balances[i] += amount
                else:
                    with pytest.raises(BelowLimit):
                        await ledger.post(
                            session, community_id=C, kind="test", legs=legs, now=NOW, by_id=None
                        )
            elif made:
                transfer, effect = made[step.which % len(made)]
                undo = {i: -amount for i, amount in effect.items()}
                if transfer.id in reversals:
                    with pytest.raises(NotReversible):
                        await ledger.reverse(
                            session, transfer.id, reason="test", now=NOW, by_id=None
                        )
                elif transfer.id in reversed_ids:
                    with pytest.raises(AlreadyReversed):
                        await ledger.reverse(
                            session, transfer.id, reason="test", now=NOW, by_id=None
                        )
                elif not _fits(balances, undo):
                    with pytest.raises(BelowLimit):
                        await ledger.reverse(
                            session, transfer.id, reason="test", now=NOW, by_id=None
                        )
                else:
                    before = list(balances)
                    reversal = await ledger.reverse(
                        session, transfer.id, reason="test", now=NOW, by_id=None
                    )
                    for i, amount in undo.items():
                        balances[i] += amount
                    # the reversal takes back exactly what the transfer did
                    assert [b - a for a, b in zip(before, balances, strict=True)] == [
                        undo.get(i, 0) for i in range(len(rows))
                    ]
                    reversed_ids.add(transfer.id)
                    reversals.add(reversal.id)
                    made.append((reversal, undo))
            await _check_invariants(session, rows, balances)
        await session.commit()
        await _check_invariants(session, rows, balances)
