"""The capacity benchmark's core, briefly and slowly: every update it offers is handled by the
real bot and by the bare Dispatcher, and no step of its people goes astray (a label that no
longer exists, a "something went wrong"). Its speed is not asserted: that is the benchmark's
job, run by hand."""

from __future__ import annotations

import pytest

from benchmarks.capacity import measure_bare, measure_linli

pytestmark = pytest.mark.postgresql


async def test_every_offered_update_is_handled(database_url: str) -> None:
    linli = await measure_linli(rate=8, people=20, seconds=2, url=database_url)
    assert linli.offered >= 5, linli.line()
    assert not linli.errors, linli.errors[:5]
    assert linli.handled == linli.offered, linli.line()
    assert {"/start", "/request"} <= set(linli.by_step), linli.steps()


async def test_the_bare_dispatcher_handles_every_offered_update() -> None:
    bare = await measure_bare(rate=8, people=20, seconds=1)
    assert bare.offered >= 3 and not bare.errors, bare.line()
    assert bare.handled == bare.offered, bare.line()


async def test_the_ledger_reads_benchmark_fills_and_reads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Its figures are for running by hand; here only that it still fills and reads."""
    from benchmarks.ledger_reads import run

    await run("sqlite", [200, 2_000], people=10, count=5)
    printed = capsys.readouterr().out
    assert "2,000 entries" in printed and "growth from 200 to 2,000 entries" in printed
