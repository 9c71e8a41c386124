"""One bad row stops nothing else: a scheduler step that raises is set aside with its reason,
tried again later (each time waiting longer) and, after a few tries, flagged to the coordinators,
while every other row of the same tick goes on.

Each step runs in a savepoint: when it raises, what it wrote is undone, the row is put back to
be due again at the retry time (by the job, which knows how), and the failure is recorded. A
round of many steps (`run_round`, the 9:00 wave) runs in one savepoint, flushed once; only when
a step of it raises is the round undone and each step run again in a savepoint of its own."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import delete, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.models import StepFailure

logger = logging.getLogger("linli.scheduler")

T = TypeVar("T")

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
FLAG_AFTER_ATTEMPTS = 3


def retry_delay(attempts: int) -> timedelta:
    """1, 4, 16, 64 minutes... at most six hours between tries."""
    return min(FIRST_RETRY * 4 ** (attempts - 1), LONGEST_WAIT)


@dataclass
class SetAside:
    """A step that raised this time: when it will be tried again, and whether the coordinators
    must be told now (once, when it has failed `FLAG_AFTER_ATTEMPTS` times)."""

    job: str
    row_id: int
    attempts: int
    reason: str
    retry_at: datetime
    flag_now: bool


async def run_step(
    session: AsyncSession,
    *,
    job: str,
    row_id: int,
    now: datetime,
    step: Callable[[], Awaitable[T]],
    put_back: Callable[[datetime], Awaitable[None]],
) -> T | SetAside:
    """Run one step in a savepoint. Success forgets an earlier failure of the row; an error
    undoes the step, puts the row back with `put_back(retry_at)` and records the failure."""
    try:
        async with session.begin_nested():
            result = await step()
    except Exception as error:  # noqa: BLE001 - any error of one row must not stop the others
        return await _set_aside(session, job, row_id, now, type(error).__name__, put_back)
    if row_id in await _failing(session, job):  # it works again: forget the failure
        await session.execute(
            delete(StepFailure).where(StepFailure.job == job, StepFailure.row_id == row_id)
        )
    return result


async def run_committing_step(
    session: AsyncSession, *, job: str, row_id: int, now: datetime, step: Callable[[], Awaitable[T]]
) -> T | SetAside:
    """For a step that ends its own transactions (it reads, commits, draws off the event loop,
    then writes), so no savepoint can hold it: an error rolls back what it had not committed
    and sets the row aside as `run_step` would. The row itself is not moved: `waiting_rows`
    keeps it out until its retry time."""
    try:
        result = await step()
    except Exception as error:  # noqa: BLE001 - one row's failure must not stop the others
        await session.rollback()
        await session.run_sync(_reload_undone)  # what the next rows use (the community tree)
        session.info.pop(("step_failures", job), None)  # read again after the rollback

        async def stays(_at: datetime) -> None:
            """The row is still due; the failure's retry time keeps it waiting."""

        return await _set_aside(session, job, row_id, now, type(error).__name__, stays)
    if row_id in await _failing(session, job):  # it works again: forget the failure
        await session.execute(
            delete(StepFailure).where(StepFailure.job == job, StepFailure.row_id == row_id)
        )
    return result


@dataclass
class Step(Generic[T]):
    """One row's step of a round, with how to put the row back when it fails."""

    row_id: int
    run: Callable[[], Awaitable[T]]
    put_back: Callable[[datetime], Awaitable[None]]


async def run_round(
    session: AsyncSession, *, job: str, now: datetime, steps: Sequence[Step[T]]
) -> list[T | SetAside]:
    """Run many rows' steps as `run_step` would, in one savepoint (a savepoint and a flush per
    step cost more than most steps). When any raises (the flush at the end included), the round
    is undone and every step runs again in a savepoint of its own, so that only the failing
    one is set aside. Steps must be safe to run again after their writes were undone."""
    if not steps:
        return []
    try:
        async with session.begin_nested():
            results: list[T | SetAside] = [await step.run() for step in steps]
    except Exception:  # noqa: BLE001 - one of them failed: find which, one by one
        await session.run_sync(_reload_undone)
        return [await _alone(session, job, now, step) for step in steps]
    failing = await _failing(session, job)
    healed = [step.row_id for step in steps if step.row_id in failing]
    if healed:  # they work again: forget their failures
        await session.execute(
            delete(StepFailure).where(StepFailure.job == job, StepFailure.row_id.in_(healed))
        )
        failing.difference_update(healed)
    return results


async def _alone(session: AsyncSession, job: str, now: datetime, step: Step[T]) -> T | SetAside:
    return await run_step(
        session, job=job, row_id=step.row_id, now=now, step=step.run, put_back=step.put_back
    )


def _reload_undone(session: Session) -> None:
    """A rolled-back savepoint leaves what it changed expired: read it again now, since the
    steps run again read it where no query can be made (synchronous code)."""
    for instance in list(session.identity_map.values()):
        if inspect(instance).expired_attributes:
            session.refresh(instance)


async def _failing(session: AsyncSession, job: str) -> set[int]:
    """Rows of `job` with a failure on record, read once per session (a tick may take
    thousands of steps: a look-up each would double its statements)."""
    key = ("step_failures", job)
    known: set[int] | None = session.info.get(key)
    if known is None:
        known = set(await session.scalars(select(StepFailure.row_id).where(StepFailure.job == job)))
        session.info[key] = known
    return known


async def _set_aside(
    session: AsyncSession,
    job: str,
    row_id: int,
    now: datetime,
    reason: str,
    put_back: Callable[[datetime], Awaitable[None]],
) -> SetAside:
    (await _failing(session, job)).add(row_id)
    failure = await session.scalar(
        select(StepFailure).where(StepFailure.job == job, StepFailure.row_id == row_id)
    )
    if failure is None:
        failure = StepFailure(
            job=job, row_id=row_id, attempts=0, reason=reason, first_failed_at=now, next_try_at=now
        )
        session.add(failure)
    failure.attempts += 1
    failure.reason = reason[:120]
    failure.next_try_at = now + retry_delay(failure.attempts)
    flag_now = failure.flagged_at is None and failure.attempts >= FLAG_AFTER_ATTEMPTS
    if flag_now:
        failure.flagged_at = now
    await put_back(failure.next_try_at)
    await session.flush()
    logger.warning(
        "event=step_set_aside job=%s row=%s attempts=%d reason=%s retry_at=%s",
        job,
        row_id,
        failure.attempts,
        reason,
        failure.next_try_at.isoformat(timespec="seconds"),
    )
    return SetAside(job, row_id, failure.attempts, failure.reason, failure.next_try_at, flag_now)


async def waiting_rows(session: AsyncSession, job: str, now: datetime) -> dict[int, datetime]:
    """Rows of `job` set aside whose retry time has not come: id -> when to try again."""
    rows = await session.execute(
        select(StepFailure.row_id, StepFailure.next_try_at).where(
            StepFailure.job == job, StepFailure.next_try_at > now
        )
    )
    return {row_id: at for row_id, at in rows.all()}
