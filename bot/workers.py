"""`linli run --webhook --workers N`: N bot processes share Telegram's POSTs.

This process imports the bot once and forks N workers from itself (`run_worker` in each), so a
worker starts in a fraction of a second and shares the imported code with the others, where a
fresh interpreter spent seconds importing aiogram. They all listen on WEBHOOK_LISTEN
(SO_REUSEPORT), so the kernel spreads Telegram's connections over them.
They share PostgreSQL and Redis: Redis event isolation keeps one person's updates in order
across workers, and the outbox and the scheduler claim their rows, so nothing is done twice.
A worker that dies is forked again; an update it was handling was never answered, so Telegram
sends it again (to whichever worker accepts). SIGTERM or SIGINT stops every worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from types import FrameType

from bot.config import ConfigError, Settings

logger = logging.getLogger("linli.workers")
RESTART_PAUSE = 1.0  # seconds before a dead worker is started again
EARLY_DEATH = 10.0  # a worker dying this soon after its start, again and again, is a bad setup
MAX_EARLY_DEATHS = 3


def check_workers(settings: Settings, count: int, webhook: bool) -> None:
    """Several workers need the webhook (one poller only) and shared state (PostgreSQL, Redis)."""
    if count < 1:
        raise ConfigError("--workers must be at least 1")
    if count == 1:
        return
    if not webhook:
        raise ConfigError("--workers above 1 needs --webhook: Telegram allows one poller only")
    if not settings.redis_url:
        raise ConfigError("--workers above 1 needs REDIS_URL: each person's updates in order")
    if not settings.resolved_database_url.startswith("postgresql"):
        raise ConfigError("--workers above 1 needs DATABASE_URL on PostgreSQL")


def connections_per_worker(settings: Settings, count: int) -> int:
    """Each worker's share of DATABASE_CONNECTIONS (at least 2: one for updates, one for the
    scheduler and the outbox)."""
    return max(2, settings.database_connections // count)


def run_workers(settings: Settings, count: int, run_worker: Callable[[int], int]) -> int:
    """Fork `count` workers, each `run_worker(its number)` on one socket, and keep them running
    until asked to stop. Called with no thread and no event loop running, so a fork is safe."""
    stopping = False

    # DATABASE_CONNECTIONS is the deployment's: shared out, so N workers never ask the server
    # for N times as many (PostgreSQL's max_connections is 100 by default).
    share = {"DATABASE_CONNECTIONS": str(connections_per_worker(settings, count))}

    def start(worker: int) -> int:
        pid = os.fork()
        if pid == 0:  # the worker: its own signals, its share, and never back into this loop
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.environ.update(share)
                code = run_worker(worker)
            except KeyboardInterrupt:  # Ctrl+C reaches every process of the terminal's group
                code = 130
            except BaseException:
                logger.exception("worker_failed worker=%s", worker)
            finally:
                logging.shutdown()
                os._exit(code)
        logger.info("worker_started worker=%s pid=%s", worker, pid)
        return pid

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in workers.values():  # each still in the table has not been reaped yet
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    workers: dict[int, int] = {}
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for worker in range(1, count + 1):
        workers[worker] = start(worker)
    started = dict.fromkeys(workers, time.monotonic())
    early_deaths = worst = 0
    while workers:
        pid, status = os.wait()
        worker = next((w for w, p in workers.items() if p == pid), None)
        if worker is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        del workers[worker]
        if stopping:  # stopped by our SIGTERM before it could say goodbye: still a clean stop
            worst = max(worst, 0 if code == -signal.SIGTERM else abs(code))
            continue
        logger.error("worker_died worker=%s pid=%s code=%s", worker, pid, code)
        if time.monotonic() - started[worker] < EARLY_DEATH:
            early_deaths += 1
            if early_deaths >= MAX_EARLY_DEATHS:
                logger.error("workers_stopping reason=early_deaths count=%s", early_deaths)
                stop(signal.SIGTERM, None)
                worst = 1
                continue
        time.sleep(RESTART_PAUSE)
        if not stopping:
            workers[worker] = start(worker)
            started[worker] = time.monotonic()
    return worst
