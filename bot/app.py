"""Building the application: the Bot, the Dispatcher with its middlewares and routers, and running
long polling. One factory, used by `linli run`, by the tests and by the demo."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.aiogram_costs import KeepResponseModels, run_sync_filters_inline
from bot.clock import Clock, SystemClock
from bot.commands import publish_commands
from bot.config import Settings
from bot.delivery.broadcast_monitor import BroadcastMonitor
from bot.delivery.edit_guard import IdenticalEditGuard
from bot.delivery.ratelimit import SendLimits, SendRateLimiter
from bot.delivery.send_budget import send_budget
from bot.delivery.sender import OutboxSender
from bot.delivery.undeliverable import undeliverable_flagger
from bot.i18n import create_i18n
from bot.middlewares.commit import CommitBeforeRequest
from bot.middlewares.context import UpdateContextMiddleware
from bot.middlewares.db import DbSessionMiddleware
from bot.middlewares.i18n import LocaleMiddleware
from bot.middlewares.metrics import UpdateMetricsMiddleware
from bot.middlewares.outcome import NoteFailures
from bot.middlewares.user import CurrentUserMiddleware
from bot.scheduling.scheduler import Scheduler
from bot.services import places
from bot.watch.metrics import Metrics
from handlers import all_routers
from storage.db import create_engine, create_session_factory
from storage.fsm import ConversationIsolation, DatabaseStorage
from storage.migrate import upgrade_database

logger = logging.getLogger("linli.app")


def create_bot(settings: Settings) -> Bot:
    """A Bot whose requests go to `{TELEGRAM_API_URL}/bot{token}/{method}`. Before each request
    made while handling an update, what the update recorded is committed (registered first, so
    it is the outermost: nothing waits, for a rate limit or the network, inside a transaction)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(CommitBeforeRequest())
    session.middleware(IdenticalEditGuard())  # presses handled together: one edit, not two
    session.middleware(KeepResponseModels())
    return Bot(
        token=settings.token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_fsm_storage(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> tuple[BaseStorage, BaseEventIsolation]:
    """Conversation state in the database; in Redis (with per-user locks shared by all bot
    processes) when REDIS_URL is set."""
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        from bot.isolation import LeasedEventIsolation

        storage = RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        )
        return storage, LeasedEventIsolation(storage.redis, storage.key_builder)
    return DatabaseStorage(session_factory), ConversationIsolation(session_factory)


def create_dispatcher(
    *,
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    storage: BaseStorage | None = None,
    events_isolation: BaseEventIsolation | None = None,
    routers: list[Router] | None = None,
) -> Dispatcher:
    """`routers`: those of `all_routers()` (fresh ones by default), not attached to another
    dispatcher."""
    if storage is None:
        storage, events_isolation = create_fsm_storage(settings, session_factory)
    i18n = create_i18n(settings.default_locale)
    dispatcher = Dispatcher(
        storage=storage, events_isolation=events_isolation or SimpleEventIsolation()
    )
    dispatcher["settings"] = settings
    dispatcher["clock"] = clock
    dispatcher["i18n"] = i18n
    dispatcher["session_factory"] = session_factory
    dispatcher.update.outer_middleware(NoteFailures())  # for the webhook's answer
    dispatcher["metrics"] = metrics = Metrics()  # this bot's own registry (bot.watch)
    dispatcher.update.outer_middleware(UpdateMetricsMiddleware(metrics))
    dispatcher.update.outer_middleware(DbSessionMiddleware(session_factory))
    dispatcher.update.outer_middleware(CurrentUserMiddleware(clock, settings.default_timezone))
    dispatcher.update.outer_middleware(LocaleMiddleware(i18n))
    dispatcher.update.outer_middleware(UpdateContextMiddleware())
    dispatcher.include_routers(*(all_routers() if routers is None else routers))
    run_sync_filters_inline(dispatcher)
    dispatcher.startup.register(_on_startup)
    dispatcher.shutdown.register(_on_shutdown)
    return dispatcher


async def _on_startup(bot: Bot, dispatcher: Dispatcher) -> None:
    if not dispatcher.workflow_data.get("webhook_mode"):  # polling: Telegram stops pushing
        await bot.delete_webhook(drop_pending_updates=False)
    await publish_commands(bot, dispatcher["i18n"])
    settings: Settings = dispatcher["settings"]
    metrics: Metrics = dispatcher["metrics"]
    if settings.watch_listen:  # /healthz and /metrics; first: an address in use stops all here
        from bot.watch.server import WatchServer

        def scheduler_lag() -> float:
            scheduler: Scheduler | None = dispatcher.workflow_data.get("scheduler")
            return scheduler.lag() if scheduler is not None else 0.0

        watch = WatchServer(
            settings, dispatcher["session_factory"], dispatcher["clock"], metrics, scheduler_lag
        )
        await watch.start()
        dispatcher["watch"] = watch
    # Every message of the bot within one budget (OUTBOX_RATE), shared with the outbox sender.
    # Installed here, before any update is handled, and after the request middlewares of
    # `create_bot`, so those (the first registered runs outermost) act before a request waits
    # for its slot.
    # With REDIS_URL, one budget for every process of the bot (bot.delivery.shared_budget).
    budget = send_budget(
        bot,
        SendLimits(per_second=settings.outbox_rate),
        redis_url=settings.redis_url if settings.send_budget_in_redis else None,
    )
    dispatcher["send_budget"] = budget
    sender = OutboxSender(
        bot,
        dispatcher["session_factory"],
        dispatcher["clock"],
        limiter=budget,
        max_attempts=settings.outbox_max_attempts,
        lease_seconds=settings.outbox_lease_seconds,
        purge_after_days=settings.outbox_purge_days,
        on_undeliverable=undeliverable_flagger(settings, dispatcher["clock"], dispatcher["i18n"]),
        on_answer=metrics.count_send,
    )
    dispatcher["outbox"] = sender
    sender.start()
    scheduler = Scheduler(
        dispatcher["session_factory"],
        settings,
        dispatcher["clock"],
        dispatcher["i18n"],
        on_queued=sender.wake,
        on_escalated=metrics.count_escalated,
    )
    dispatcher["scheduler"] = scheduler
    scheduler.start()
    monitor = BroadcastMonitor(
        bot,
        dispatcher["session_factory"],
        settings,
        dispatcher["clock"],
        dispatcher["i18n"],
        on_queued=sender.wake,
    )
    dispatcher["broadcast_monitor"] = monitor
    monitor.start()


async def _on_shutdown(dispatcher: Dispatcher) -> None:
    watch = dispatcher.workflow_data.pop("watch", None)
    if watch is not None:
        await watch.stop()
    monitor: BroadcastMonitor | None = dispatcher.workflow_data.pop("broadcast_monitor", None)
    if monitor is not None:
        await monitor.stop()
    scheduler: Scheduler | None = dispatcher.workflow_data.pop("scheduler", None)
    if scheduler is not None:
        await scheduler.stop()
    sender: OutboxSender | None = dispatcher.workflow_data.pop("outbox", None)
    if sender is not None:
        await sender.stop()
    budget: SendRateLimiter | None = dispatcher.workflow_data.pop("send_budget", None)
    if budget is not None:
        await budget.close()


@dataclass
class Application:
    """Everything a running bot holds, so it can be started and stopped as one."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    bot: Bot
    dispatcher: Dispatcher
    clock: Clock
    polling_options: dict[str, Any] = field(default_factory=dict)

    async def run_polling(self, **options: Any) -> None:
        # Libraries loaded, models built: hundreds of thousands of long-lived objects. Moved out
        # of the garbage collector's sight, a full collection no longer stops the event loop
        # (and the outbox) for a quarter of a second now and then.
        gc.collect()
        gc.freeze()
        await self.dispatcher.start_polling(
            self.bot, **{**self.polling_options, **options}, close_bot_session=True
        )

    async def close(self) -> None:
        await self.bot.session.close()
        await self.dispatcher.storage.close()
        await self.engine.dispose()


async def build_application(
    settings: Settings, clock: Clock | None = None, *, routers: list[Router] | None = None
) -> Application:
    """Open (and migrate) the database, create the bot and the dispatcher (see
    `create_dispatcher` for `routers`)."""
    engine = create_engine(
        settings.resolved_database_url, connections=settings.database_connections
    )
    await upgrade_database(engine)
    session_factory = create_session_factory(engine)
    clock = clock or SystemClock()
    if settings.place_names:
        async with session_factory() as session:
            await places.seed_places(session, settings.place_names, clock=clock)
            await session.commit()
    bot = create_bot(settings)
    dispatcher = create_dispatcher(
        settings=settings, session_factory=session_factory, clock=clock, routers=routers
    )
    return Application(settings, engine, session_factory, bot, dispatcher, clock)
