"""The watch server: `/healthz` (JSON, 200 or 503 with the reasons) and `/metrics`
(Prometheus text) on WATCH_LISTEN, in the bot's own process and event loop, started and
stopped with the bot (`bot.app`). Off unless WATCH_LISTEN is set; meant for 127.0.0.1 or a
private network, as it has no authentication."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import ConfigError, Settings, parse_listen
from bot.watch.health import (
    Check,
    OutboxReading,
    check_database,
    check_redis,
    probe_engine,
    read_outbox,
)
from bot.watch.metrics import Metrics

logger = logging.getLogger("linli.watch")


class WatchServer:
    def __init__(
        self,
        settings: Settings,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        metrics: Metrics,
        scheduler_lag: Callable[[], float],
    ) -> None:
        """`scheduler_lag()`: seconds the scheduler is behind (0 when it is not running)."""
        self.settings = settings
        self.session_factory = session_factory
        self.clock = clock
        self.metrics = metrics
        self.scheduler_lag = scheduler_lag
        self.host, self.port = parse_listen(settings.watch_listen)
        self._probe_engine = probe_engine(settings.resolved_database_url)
        self._redis: Any = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        if self.settings.redis_url:
            from redis.asyncio import Redis

            timeout = self.settings.watch_probe_timeout_seconds
            self._redis = Redis.from_url(
                self.settings.redis_url, socket_connect_timeout=timeout, socket_timeout=timeout
            )
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            raise ConfigError(
                f"WATCH_LISTEN: cannot listen on {self.host}:{self.port} ({error.strerror})"
            ) from None
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:  # port 0: the one the system chose
            self.port = server.sockets[0].getsockname()[1]
        logger.info("watch_listening url=%s", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        await self._probe_engine.dispose()

    async def _read_outbox(self) -> tuple[OutboxReading | None, str | None]:
        """Read the outbox and set its gauges; None and why when the database did not say."""
        timeout = self.settings.watch_probe_timeout_seconds
        try:
            reading = await read_outbox(self.session_factory, self.clock.now(), timeout)
        except Exception as error:  # noqa: BLE001 - reported, never raised to the scraper
            self.metrics.scrape_errors.inc()
            logger.warning("watch_outbox_unread reason=%s", type(error).__name__)
            return None, type(error).__name__
        for status, count in reading.depth.items():
            self.metrics.outbox_depth.labels(status=status).set(count)
        self.metrics.outbox_oldest.set(reading.oldest_waiting_seconds or 0.0)
        return reading, None

    async def _metrics(self, _request: web.Request) -> web.Response:
        await self._read_outbox()
        self.metrics.scheduler_lag.set(self.scheduler_lag())
        return web.Response(
            body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _healthz(self, _request: web.Request) -> web.Response:
        settings = self.settings
        timeout = settings.watch_probe_timeout_seconds
        problems: list[str] = []
        checks: dict[str, Any] = {}
        database = await check_database(self._probe_engine, timeout)
        checks["database"] = database.as_json()
        if not database.ok:
            problems.append(f"database unreachable: {database.error}")
        if self._redis is not None:
            redis = await check_redis(self._redis, timeout)
            checks["redis"] = redis.as_json()
            if not redis.ok:
                problems.append(f"redis unreachable: {redis.error}")
        lag = self.scheduler_lag()
        self.metrics.scheduler_lag.set(lag)
        lag_ok = lag <= settings.watch_max_scheduler_lag_seconds
        checks["scheduler"] = Check(
            lag_ok,
            0.0,
            values={
                # rounded up: a lag past the limit never reads as the limit itself (0.5004 > 0.5)
                "lag_seconds": math.ceil(lag * 1000) / 1000,
                "max_lag_seconds": settings.watch_max_scheduler_lag_seconds,
            },
        ).as_json()
        if not lag_ok:
            problems.append(
                f"scheduler lag {lag:.1f}s exceeds {settings.watch_max_scheduler_lag_seconds:g}s"
            )
        started = time.perf_counter()
        reading, unread = await self._read_outbox()
        age = reading.oldest_waiting_seconds if reading else None
        max_age = settings.watch_max_outbox_age_seconds
        outbox_ok = reading is not None and (age or 0.0) <= max_age
        checks["outbox"] = Check(
            outbox_ok,
            time.perf_counter() - started,
            error=f"not read: {unread}" if unread else None,
            values={
                "oldest_waiting_seconds": None if age is None else round(age, 3),
                "max_oldest_waiting_seconds": max_age,
                "depth": reading.depth if reading else None,
            },
        ).as_json()
        if unread and database.ok:
            problems.append(f"outbox not read: {unread}")
        elif age is not None and age > max_age:
            problems.append(f"outbox oldest waiting message {age:.0f}s exceeds {max_age:g}s")
        body = {"status": "unhealthy" if problems else "ok", "problems": problems} | checks
        return web.json_response(body, status=503 if problems else 200)
