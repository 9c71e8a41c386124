"""How fast the ledger's balances and statements read as the book grows (run by hand).

    .venv/bin/python -m benchmarks.ledger_reads
    .venv/bin/python -m benchmarks.ledger_reads --database postgresql --sizes 100000,1000000

Fills a fresh database (an SQLite file, or a scratch PostgreSQL database at 127.0.0.1:5432,
created and dropped) with time credits from the community's pool to `--people` volunteers
(two entries each, spread over two years), up to each of `--sizes` entries in turn, and at each
size times `--reads` reads of a random volunteer's: the kept balance (one row), the same
balance summed from the entries (what it would cost without the column), the pool's balance
summed (an account holding half of all entries), a page of the five newest entries, a page
further back, and "⏱ My hours" (balance, this month, how many entries). Prints the median and
95th percentile in milliseconds per read and how each grew from the first size to the last."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benchmarks.capacity import scratch_database
from bot.services import ledger
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.models import AccountOwner, LedgerAccount, LedgerEntry, LedgerTransfer, LedgerUnit
from storage.repositories import ledger as queries

BATCH = 20_000
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
MONTH_START = datetime(2026, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=730)


async def open_accounts(factory: async_sessionmaker[AsyncSession], people: int) -> list[int]:
    """The pool first, then one account per volunteer (keys only: no person rows needed)."""
    async with factory() as session:
        rows = [
            {
                "key": f"bench:{n}",
                "community_id": FIRST_COMMUNITY_ID,
                "owner": AccountOwner.POOL if n == 0 else AccountOwner.PERSON,
                "unit": LedgerUnit.MINUTES,
                "lower_limit": None if n == 0 else 0,
                "balance": 0,
                "created_at": NOW - SPAN,
            }
            for n in range(people + 1)
        ]
        await session.execute(insert(LedgerAccount), rows)
        await session.commit()
        ids = await session.scalars(
            select(LedgerAccount.id)
            .where(LedgerAccount.key.startswith("bench:"))
            .order_by(LedgerAccount.id)
        )
        return list(ids)


async def fill(
    factory: async_sessionmaker[AsyncSession],
    accounts: list[int],
    start: int,
    stop: int,
    rng: random.Random,
) -> None:
    """Transfers `start` … `stop - 1` (ids given here), each pool → a volunteer, oldest first."""
    pool, people = accounts[0], accounts[1:]
    total_seconds = SPAN.total_seconds()
    async with factory() as session:
        for first in range(start, stop, BATCH):
            last = min(first + BATCH, stop)
            transfers, entries = [], []
            for number in range(first, last):
                at = (
                    NOW
                    - SPAN
                    + timedelta(seconds=total_seconds * (number * 7919 % 100_003) / 100_003)
                )
                minutes = rng.randrange(30, 121)
                transfers.append(
                    {
                        "id": number + 1,
                        "community_id": FIRST_COMMUNITY_ID,
                        "kind": ledger.TIME_GIVEN,
                        "created_at": at,
                    }
                )
                to = people[rng.randrange(len(people))]
                entries.append(
                    {
                        "transfer_id": number + 1,
                        "account_id": pool,
                        "amount": -minutes,
                        "created_at": at,
                    }
                )
                entries.append(
                    {
                        "transfer_id": number + 1,
                        "account_id": to,
                        "amount": minutes,
                        "created_at": at,
                    }
                )
            await session.execute(insert(LedgerTransfer), transfers)
            await session.execute(insert(LedgerEntry), entries)
            await session.commit()
        sums = (
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .where(LedgerEntry.account_id == LedgerAccount.id)
            .scalar_subquery()
        )
        await session.execute(update(LedgerAccount).values(balance=sums))
        await session.commit()


Read = Callable[[AsyncSession, int], Awaitable[object]]


def reads(pool: int) -> dict[str, Read]:
    return {
        "balance (kept column)": lambda s, a: queries.balance(s, a),
        "balance summed from entries": lambda s, a: queries.sum_of_entries(s, [a]),
        "pool balance summed (1/2 of all)": lambda s, a: queries.sum_of_entries(s, [pool]),
        "statement: 5 newest": lambda s, a: queries.statement(s, [a], limit=5),
        "statement: 5 at offset 100": lambda s, a: queries.statement(s, [a], limit=5, offset=100),
        "my hours (balance, month, count)": lambda s, a: _summary(s, a),
    }


async def _summary(session: AsyncSession, account_id: int) -> object:
    ids = [account_id]
    return (
        await queries.balances(session, ids),
        await queries.sum_of_entries(session, ids, since=MONTH_START),
        await queries.count_entries(session, ids),
    )


async def measure(
    factory: async_sessionmaker[AsyncSession], accounts: list[int], count: int, rng: random.Random
) -> dict[str, tuple[float, float]]:
    """Median and 95th percentile ms of each read, `count` times on random volunteers."""
    figures = {}
    async with factory() as session:
        for name, read in reads(accounts[0]).items():
            times = []
            runs = count if "pool" not in name else max(count // 20, 5)
            for _ in range(runs):
                account = accounts[1 + rng.randrange(len(accounts) - 1)]
                began = time.perf_counter()
                await read(session, account)
                times.append((time.perf_counter() - began) * 1000)
            times.sort()
            figures[name] = (statistics.median(times), times[int(len(times) * 0.95) - 1])
    return figures


async def run(database: str, sizes: list[int], people: int, count: int) -> None:
    rng = random.Random(16)
    async with scratch_database(database) as url:
        engine = create_engine(url)
        try:
            await upgrade_database(engine)
            factory = create_session_factory(engine)
            accounts = await open_accounts(factory, people)
            results: list[tuple[int, dict[str, tuple[float, float]]]] = []
            made = 0
            for size in sizes:
                began = time.perf_counter()
                await fill(factory, accounts, made, size // 2, rng)
                made = size // 2
                took = time.perf_counter() - began
                print(f"{size:>9,} entries ({people:,} volunteers): filled in {took:.0f} s")
                figures = await measure(factory, accounts, count, rng)
                results.append((size, figures))
                for name, (median, p95) in figures.items():
                    print(f"    {name:<34} {median:9.3f} ms  (p95 {p95:.3f})")
            if len(results) > 1:
                (small, first), (large, last) = results[0], results[-1]
                print(f"growth from {small:,} to {large:,} entries ({large / small:.0f}x), median:")
                for name in first:
                    print(f"    {name:<34} {last[name][0] / first[name][0]:6.2f}x")
        finally:
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default="sqlite",
        help="sqlite, postgresql (a scratch database at 127.0.0.1:5432), or a PostgreSQL URL",
    )
    parser.add_argument("--sizes", default="100000,1000000", help="entries, comma-separated")
    parser.add_argument("--people", type=int, default=1000, help="volunteers' accounts")
    parser.add_argument("--reads", type=int, default=300, help="reads of each kind per size")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    asyncio.run(run(args.database, sizes, args.people, args.reads))


if __name__ == "__main__":
    main()
