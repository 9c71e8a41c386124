"""Runs the demo: the emulator with its page on 127.0.0.1, and the real bot polling it.

The bot is built by the same factory as `linli run` (`build_application`), on its own SQLite
file under <DATA_DIR>/demo/, with the token and URL of the emulator: nothing leaves this
machine and a real database is never touched. "Reset demo" stops the bot, deletes that file,
clears the chats and starts the bot again on a freshly seeded community.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from datetime import datetime, timedelta
from pathlib import Path

from bot.app import Application, build_application
from bot.config import Settings, load_settings
from bot.delivery.notifier import Notifier
from bot.demo.personas import (
    COORDINATOR,
    COORDINATORS_GROUP_ID,
    COORDINATORS_GROUP_TITLE,
    DISTRICT_COORDINATOR,
    EAST_COORDINATOR,
    EAST_VOLUNTEERS,
    EXTRA_VOLUNTEERS,
    PHONES,
    VOLUNTEERS_GROUP_ID,
    VOLUNTEERS_GROUP_MEMBERS,
    VOLUNTEERS_GROUP_TITLE,
)
from bot.demo.seed import announce_seeded, seed_demo_community
from bot.demo.timecontrol import DemoTime
from bot.emulator.server import FakeBotAPI
from bot.scheduling.scheduler import Scheduler

logger = logging.getLogger("linli.demo")

HOST = "127.0.0.1"  # the demo is for this machine only
DEFAULT_PORT = 8080
DEMO_TOKEN = "7100000:LINLI-DEMO-LOCAL"
DEMO_BOT_USERNAME = "linli_demo_bot"
STATUS_REFRESH_SECONDS = 15.0
START_TIMEOUT = 60.0
DEMO_TICK_SECONDS = 10.0
"""The scheduler's tick in the demo (60 s in `linli run`), unless SCHEDULER_INTERVAL_SECONDS is
set: a wish lit on the page moves the campaign's counters within seconds."""


def bind_socket(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:`port`, or on a free port when that one is taken."""
    for candidate in (port, 0):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, candidate))
        except OSError:
            sock.close()
            if candidate == 0:
                raise
            logger.info("port %s is taken; using a free one", port)
            continue
        sock.listen(128)
        sock.setblocking(False)
        return sock
    raise OSError("no free port")  # pragma: no cover (binding port 0 raised above)


class DemoRunner:
    """The emulator, its page, the bot and the demo clock, started and reset as one."""

    def __init__(self, base: Settings) -> None:
        self.base = base
        self.demo_dir = (base.data_dir / "demo").resolve()
        self.database_path = self.demo_dir / "demo.sqlite3"
        self.time = DemoTime(self.demo_dir / "clock.json")
        self.api = FakeBotAPI(DEMO_TOKEN, bot_username=DEMO_BOT_USERNAME, bot_name="linli 邻里")
        # Messages are dated by the demo clock, and the page shows times in the community's zone.
        self.api.state.clock = lambda: self.time.clock.now().timestamp()
        self.api.web.set_status(timezone=base.default_timezone)
        self.application: Application | None = None
        self._polling: asyncio.Task[None] | None = None
        self._status_task: asyncio.Task[None] | None = None
        install_time_hooks(self)

    @property
    def app(self) -> Application:
        if self.application is None:
            raise RuntimeError("the demo bot is not running")
        return self.application

    def bot_settings(self) -> Settings:
        """The real settings with everything that could reach out pointed at the demo."""
        assert self.api.base_url is not None
        return load_settings(
            bot_token=DEMO_TOKEN,
            bot_username=DEMO_BOT_USERNAME,
            telegram_api_url=self.api.base_url,
            data_dir=self.demo_dir,
            database_url=f"sqlite+aiosqlite:///{self.database_path}",
            redis_url=None,
            coordinator_chat_id=COORDINATORS_GROUP_ID,  # never a real group's id
            volunteer_chat_id=VOLUNTEERS_GROUP_ID,
            # The demo runs on the visitor's real time: at night in Shanghai quiet hours would
            # hold the residents' messages until morning, and the page would look broken.
            quiet_hours="off",
            scheduler_interval_seconds=self.base.scheduler_interval_seconds
            if "scheduler_interval_seconds" in self.base.model_fields_set
            else DEMO_TICK_SECONDS,
        )

    # lifecycle

    async def start(self, port: int = DEFAULT_PORT) -> str:
        """Serve the page and start the bot; returns the address to open."""
        self.demo_dir.mkdir(parents=True, exist_ok=True)
        url = await self.api.start(sock=bind_socket(port))
        self._add_people()
        self._add_controls()
        await self._start_bot()
        self._status_task = asyncio.create_task(self._refresh_status())
        return url + "/"

    async def stop(self) -> None:
        if self._status_task is not None:
            self._status_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._status_task
            self._status_task = None
        await self._stop_bot()
        await self.api.stop()

    async def reset(self) -> None:
        """Start over: a new database, the real time, empty chats, a fresh bot."""
        logger.info("resetting the demo")
        await self._stop_bot()
        self.forget_community()
        self.api.state.clear_history()
        await self._start_bot()
        self._show_time()

    def forget_community(self) -> None:
        """Delete the demo database (with SQLite's side files) and the clock's offset."""
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.database_path}{suffix}").unlink(missing_ok=True)
        self.time.reset()

    async def advance(self, delta: timedelta) -> None:
        await self.time.advance(delta)
        self._show_time()

    # the page

    def _add_people(self) -> None:
        for person in PHONES:
            self.api.user(
                person.telegram_id,
                first_name=person.name,
                language_code=person.language_code,
                phone_number=person.phone,
            )
            self.api.web.add_persona(person.telegram_id, role=person.role.value, note=person.note)
        self.api.group(COORDINATORS_GROUP_ID, COORDINATORS_GROUP_TITLE, [COORDINATOR.telegram_id])
        self.api.web.set_group_role(COORDINATORS_GROUP_ID, "coordinators")
        # in the group, or told when 东湖社区's resident asks (it has no groups of its own),
        # without a phone on the page
        for person in (*EXTRA_VOLUNTEERS, DISTRICT_COORDINATOR, EAST_COORDINATOR, *EAST_VOLUNTEERS):
            self.api.user(
                person.telegram_id,
                first_name=person.name,
                language_code=person.language_code,
                phone_number=person.phone,
            )
        members = [person.telegram_id for person in VOLUNTEERS_GROUP_MEMBERS]
        self.api.group(VOLUNTEERS_GROUP_ID, VOLUNTEERS_GROUP_TITLE, members)
        self.api.web.set_group_role(VOLUNTEERS_GROUP_ID, "volunteers")

    def _add_controls(self) -> None:
        async def plus_hour() -> None:
            await self.advance(timedelta(hours=1))

        async def plus_day() -> None:
            await self.advance(timedelta(days=1))

        self.api.web.add_control("plus_hour", "plus_hour", plus_hour)
        self.api.web.add_control("plus_day", "plus_day", plus_day)
        self.api.web.add_control("reset", "reset", self.reset, confirm="reset_confirm")

    def _show_time(self) -> None:
        text = self.time.describe(self.base.default_timezone)
        if self.api.web.status.get("clock") != text:
            self.api.web.set_status(clock=text)

    async def _refresh_status(self) -> None:
        """Keep the page's clock current (it shows minutes)."""
        while True:
            self._show_time()
            await asyncio.sleep(STATUS_REFRESH_SECONDS)

    # the bot

    async def _start_bot(self) -> None:
        settings = self.bot_settings()
        application = await build_application(settings, self.time.clock)
        self.application = application
        async with application.session_factory() as session:
            community = await seed_demo_community(
                session, self.time.clock, timezone=settings.default_timezone, settings=settings
            )
            if community is not None:
                # the outbox sends these as soon as the bot starts
                i18n = application.dispatcher["i18n"]
                notifier = Notifier(session, settings, self.time.clock, i18n)
                await announce_seeded(notifier, community)
                logger.info("seeded the demo community")
            await session.commit()
        polls_before = self.api.state.poll_generation
        self._polling = asyncio.create_task(
            application.dispatcher.start_polling(
                application.bot,
                handle_as_tasks=False,  # one update at a time: the page shows them in order
                handle_signals=False,
                close_bot_session=False,
            )
        )
        first_poll = asyncio.ensure_future(  # a getUpdates has begun: the bot is listening
            self.api.wait_until(
                lambda: self.api.state.poll_generation > polls_before, timeout=START_TIMEOUT
            )
        )
        done, _ = await asyncio.wait(
            {first_poll, self._polling}, return_when=asyncio.FIRST_COMPLETED
        )
        if self._polling in done:  # the bot died while starting: say why
            first_poll.cancel()
            self._polling.result()
        first_poll.result()

    async def _stop_bot(self) -> None:
        application, self.application = self.application, None
        if application is None:
            return
        with contextlib.suppress(RuntimeError):  # polling already stopped
            await application.dispatcher.stop_polling()
        if self._polling is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._polling, timeout=15)
            self._polling = None
        await application.close()


def install_time_hooks(runner: DemoRunner) -> None:
    """Where work that reacts to the demo clock plugs in; runs once per runner.

    Register async callbacks taking the new time; they run after every "+1 hour" / "+1 day",
    in order, with `runner.app` the bot running at that moment. The scheduler's tick is the
    first: what became due (a request nobody took, a claim not marked done) is flagged at
    once instead of at the next periodic tick, which keeps running as in `linli run`.
    """

    @runner.time.on_time_moved
    async def scheduler_tick(now: datetime) -> None:
        application = runner.application
        if application is None:  # between "reset demo" stopping and starting the bot
            return
        scheduler: Scheduler | None = application.dispatcher.workflow_data.get("scheduler")
        if scheduler is None:  # the bot has not finished starting
            return
        acted = await scheduler.tick()
        logger.info("demo clock at %s: the scheduler acted on %d", now.isoformat(), acted)


async def serve_demo(base: Settings, port: int, *, fresh: bool = False) -> None:
    """Run the demo until SIGINT or SIGTERM."""
    runner = DemoRunner(base)
    if fresh:
        runner.forget_community()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        url = await runner.start(port)
        print(f"linli demo is running: open {url} in your browser", flush=True)
        print(f"demo database: {runner.database_path} (Ctrl+C stops the demo)", flush=True)
        await stop.wait()
    finally:
        await runner.stop()


def run_demo(base: Settings, port: int = DEFAULT_PORT, *, fresh: bool = False) -> int:
    asyncio.run(serve_demo(base, port, fresh=fresh))
    return 0
