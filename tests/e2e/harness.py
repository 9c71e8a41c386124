"""The real linli application, polling our fake Telegram Bot API over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiogram import Dispatcher, Router
from sqlalchemy import and_, func, or_, select

from bot.app import Application, build_application
from bot.clock import Clock
from bot.config import Settings, load_settings
from bot.emulator.server import FakeBotAPI
from handlers import all_routers
from storage.models import OutboxMessage, OutboxStatus

OUTBOX_POLL = 0.02  # seconds between two looks at the outbox


class _SpareRouters:
    """The routers of bots that stopped, for the next bot this test process starts: building
    them (a few hundred handlers and filters) is most of a bot's start. They hold no state of
    their own (everything a bot has is in its dispatcher's data and middlewares), so a set
    detached from its stopped dispatcher serves the next one as a fresh set would."""

    def __init__(self) -> None:
        self._spare: list[list[Router]] = []

    def take(self) -> list[Router]:
        return self._spare.pop() if self._spare else all_routers()

    def give_back(self, dispatcher: Dispatcher) -> None:
        routers = list(dispatcher.sub_routers)
        dispatcher.sub_routers.clear()
        for router in routers:
            router._parent_router = None  # aiogram refuses to attach a router twice
        self._spare.append(routers)


SPARE_ROUTERS = _SpareRouters()


class RunningBot:
    """Starts, stops and restarts the bot the way `linli run` does, but in this process and
    handling one update at a time, so a test knows when the bot has finished answering."""

    def __init__(
        self,
        api: FakeBotAPI,
        base_url: str,
        clock: Clock,
        *,
        handle_as_tasks: bool = False,
        **settings: Any,
    ) -> None:
        """`handle_as_tasks=True` handles the updates of one poll concurrently, as `linli run`
        does (for race tests); by default one at a time."""
        self.api = api
        self.handle_as_tasks = handle_as_tasks
        self.base_url = base_url
        self.clock = clock
        self.settings_overrides = settings
        self.application: Application | None = None
        self._polling: asyncio.Task[None] | None = None

    @property
    def settings(self) -> Settings:
        return load_settings(
            _env_file=None,
            bot_token=self.api.token,
            telegram_api_url=self.base_url,
            **self.settings_overrides,
        )

    @property
    def app(self) -> Application:
        assert self.application is not None, "the bot is not running"
        return self.application

    async def start(self) -> None:
        self.application = await build_application(
            self.settings, self.clock, routers=SPARE_ROUTERS.take()
        )
        self._polling = asyncio.create_task(
            self.application.dispatcher.start_polling(
                self.application.bot,
                handle_as_tasks=self.handle_as_tasks,
                handle_signals=False,
                polling_timeout=1,
                close_bot_session=False,
            )
        )
        polls_before = self.api.state.poll_generation
        first_poll = asyncio.ensure_future(  # the bot's first getUpdates reached the server
            self.api.wait_until(lambda: self.api.state.poll_generation > polls_before, timeout=30)
        )
        done, _ = await asyncio.wait(
            {first_poll, self._polling}, return_when=asyncio.FIRST_COMPLETED
        )
        if self._polling in done:  # the bot died while starting: show why
            first_poll.cancel()
            self._polling.result()
        first_poll.result()

    async def stop(self) -> None:
        if self.application is None:
            return
        with contextlib.suppress(RuntimeError):  # polling already stopped
            await self.application.dispatcher.stop_polling()
        if self._polling is not None:
            await asyncio.wait_for(self._polling, timeout=15)
        # aiogram's close() waits a quarter of a second for TLS connections to shut; there is no
        # TLS here: close the HTTP session first, and close() finds nothing left to wait for.
        http = getattr(self.application.bot.session, "_session", None)
        if http is not None:
            await http.close()
        await self.application.close()
        SPARE_ROUTERS.give_back(self.application.dispatcher)
        self.application = None

    async def outbox_drained(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every outbox row due now has been sent (or set aside): after this, a
        message that is not in a chat was never queued, rather than not sent yet."""
        due = or_(
            OutboxMessage.status.in_((OutboxStatus.CLAIMED, OutboxStatus.SENDING)),
            and_(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.not_before <= self.clock.now(),
            ),
        )
        query = select(func.count()).select_from(OutboxMessage).where(due)
        async with asyncio.timeout(timeout):
            while True:
                async with self.app.session_factory() as session:
                    if not await session.scalar(query):
                        return
                await asyncio.sleep(OUTBOX_POLL)

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database: nothing kept in memory."""
        await self.stop()
        await self.start()
