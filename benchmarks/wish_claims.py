"""A campaign day's claims (点亮心愿日), run by hand: many donors lighting wishes at once.

    .venv/bin/python -m benchmarks.wish_claims --wishes 1000 --donors 300 --pace 0.5

Fills a fresh database (SQLite by default; --database takes a scratch PostgreSQL URL) with
`--wishes` verified wishes of one community, each of its own household, and `--donors`
registered neighbours. Each donor, as an asyncio task with a session of its own (as the bot
handles presses), looks at the first wishes still open (as "🕯 Light a wish" shows them) and
presses "I'll light this" on one of them at random, waits `--pace` seconds, and again, until
every wish is lit. Prints the claims' p50/p99/max time (the service call and its commit), how
many presses won and how many met a wish just taken, the wishes lit per minute, and the
double claims (a wish lit twice, or a donor's win not theirs in the row): there must be none."""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.config import load_settings
from bot.services import wishes
from bot.services.communities import FIRST_COMMUNITY_ID
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from storage.models import AuditEvent, Household, User, UserRole, Wish, WishKind, WishStatus

NOW = datetime(2026, 5, 20, 1, tzinfo=UTC)  # 20 May, 09:00 in Shanghai
FIRST_TELEGRAM_ID = 20_000_000
SHOWN = 5  # wishes on one page of "🕯 Light a wish"


async def fill(
    factory: async_sessionmaker[AsyncSession], wish_count: int, donors: int
) -> list[int]:
    async with factory() as session:
        await session.execute(
            insert(Household),
            [
                {"community_id": FIRST_COMMUNITY_ID, "code": f"A{n + 1}", "label": f"Home {n}",
                 "created_at": NOW}
                for n in range(wish_count)
            ],
        )  # fmt: skip
        homes = list(await session.scalars(select(Household.id).order_by(Household.id)))
        await session.execute(
            insert(Wish),
            [
                {"community_id": FIRST_COMMUNITY_ID, "household_id": home, "kind": WishKind.ITEM,
                 "description": f"A school bag, size {n % 5}", "address_as": "小朋友",
                 "age_band": "child", "status": WishStatus.OPEN, "created_at": NOW,
                 "updated_at": NOW, "for_someone": True, "version": 2, "times_lapsed": 0,
                 "area": ""}
                for n, home in enumerate(homes)
            ],
        )  # fmt: skip
        await session.execute(
            insert(User),
            [
                {"telegram_id": FIRST_TELEGRAM_ID + n, "role": UserRole.RESIDENT,
                 "community_id": FIRST_COMMUNITY_ID, "display_name": f"Donor {n}",
                 "timezone": "Asia/Shanghai", "consent_at": NOW, "onboarded_at": NOW,
                 "created_at": NOW, "updated_at": NOW}
                for n in range(donors)
            ],
        )  # fmt: skip
        ids = list(
            await session.scalars(select(User.id).where(User.telegram_id >= FIRST_TELEGRAM_ID))
        )
        await session.commit()
    return ids


async def run(wish_count: int, donors: int, pace: float, database: str | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    url = database or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    engine = create_engine(url)
    await upgrade_database(engine)
    factory = create_session_factory(engine)
    clock = ManualClock(NOW)
    settings = load_settings(_env_file=None, default_locale="en")
    donor_ids = await fill(factory, wish_count, donors)
    timings: list[float] = []
    won: dict[int, int] = {}  # wish id -> the donor whose press won
    taken = 0
    left = asyncio.Event()

    async def donor(donor_id: int) -> None:
        nonlocal taken
        rng = random.Random(donor_id)
        await asyncio.sleep(rng.random() * pace)
        while not left.is_set():
            async with factory() as session:
                person = await session.get(User, donor_id)
                shown, total = await wishes.open_for(
                    session, person, settings=settings, limit=SHOWN
                )
            if not total:
                left.set()
                return
            choice = rng.choice(shown)
            started = time.perf_counter()
            async with factory() as session:
                person = await session.get(User, donor_id)
                try:
                    await wishes.light(
                        session, person, choice.id, choice.version, clock=clock, settings=settings
                    )
                    await session.commit()
                    won.setdefault(choice.id, donor_id)
                except wishes.WishChanged:
                    await session.rollback()
                    taken += 1
            timings.append(time.perf_counter() - started)
            await asyncio.sleep(pace)

    began = time.perf_counter()
    await asyncio.gather(*(donor(donor_id) for donor_id in donor_ids))
    elapsed = time.perf_counter() - began
    async with factory() as session:
        lit_rows = dict(
            (
                await session.execute(
                    select(Wish.id, Wish.donor_id).where(Wish.status == WishStatus.LIT)
                )
            ).all()
        )
        lit_events = await session.execute(
            select(AuditEvent.detail).where(AuditEvent.action == "wish.lit")
        )
        per_wish: dict[int, int] = {}
        for (detail,) in lit_events:
            per_wish[detail["wish_id"]] = per_wish.get(detail["wish_id"], 0) + 1
        still_open = await session.scalar(
            select(func.count()).select_from(Wish).where(Wish.status == WishStatus.OPEN)
        )
    await engine.dispose()
    doubles = sum(1 for count in per_wish.values() if count > 1)
    mismatched = sum(1 for wish_id, donor_id in won.items() if lit_rows.get(wish_id) != donor_id)
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"database {url.split('@')[-1]}: {wish_count} wishes, {donors} donors, pace {pace} s")
    print(
        f"  presses {len(timings)}: won {len(won)}, just taken {taken}; "
        f"claim p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"max {ordered[-1] * 1000:.1f} ms"
    )
    print(
        f"  all lit in {elapsed:.1f} s ({len(lit_rows) / elapsed * 60:.0f} a minute); "
        f"still open {still_open}; double claims {doubles}; wins not in the row {mismatched}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wishes", type=int, default=1_000)
    parser.add_argument("--donors", type=int, default=300)
    parser.add_argument("--pace", type=float, default=0.5, help="seconds between a donor's presses")
    parser.add_argument("--database", default=None, help="a scratch PostgreSQL URL")
    args = parser.parse_args()
    asyncio.run(run(args.wishes, args.donors, args.pace, args.database))


if __name__ == "__main__":
    main()
