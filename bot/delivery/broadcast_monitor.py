"""Live progress of broadcasts for their coordinators, and the final report.

A small task beside the outbox sender: every second it looks at the broadcasts that are
sending (in the database, so a restarted bot carries on), edits each coordinator's progress
message at most every few seconds, and when nothing is waiting any more queues the final report
through the outbox, once (a conditional UPDATE decides which process does it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.outbox import Priority, enqueue_message
from bot.i18n import recipient_locale
from bot.services import broadcast_report, broadcasts
from bot.views import broadcasts as broadcast_views
from storage.db import current_session
from storage.models import Broadcast, BroadcastStatus, User
from storage.repositories import broadcasts as broadcast_queries

logger = logging.getLogger("linli.broadcasts")
PROGRESS_GRACE = timedelta(seconds=60)


class BroadcastMonitor:
    def __init__(
        self,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        i18n: I18n,
        *,
        on_queued: Callable[[], None] | None = None,
        interval: float = 1.0,
        edit_every: float = 3.0,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self.i18n = i18n
        self.on_queued = on_queued
        self.interval = interval
        self.edit_every = edit_every
        self._shown: dict[int, tuple[float, str]] = {}  # broadcast id -> (when, text) last shown
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="broadcast-monitor")

    async def stop(self) -> None:
        """Let the look under way finish (never cut a transaction in half), then stop."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.check()
            except Exception:
                logger.exception("event=broadcast_monitor_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)

    async def check(self) -> int:
        """One look at every broadcast under way; how many were finished."""
        finished = 0
        async with self.session_factory() as session:
            # Seen by bot.middlewares.commit: what a look recorded is committed before the
            # progress message is sent or edited, so no transaction waits on Telegram.
            token = current_session.set(session)
            try:
                for broadcast in await broadcast_queries.awaiting_report(session):
                    if await self._look_at(session, broadcast):
                        finished += 1
                    await session.commit()
            finally:
                current_session.reset(token)
        if finished and self.on_queued is not None:
            self.on_queued()
        return finished

    def _locale_of(self, author: User | None) -> str:
        if author is None:
            return self.settings.default_locale
        return recipient_locale(author, self.settings.default_locale)

    def _progress_on_its_way(self, broadcast: Broadcast) -> bool:
        """The coordinator who pressed "send" is being sent the progress message, whose id is
        not recorded yet: no second one, and no report before it is known (unless its sender
        never recorded it)."""
        if broadcast.progress_chat_id is None or broadcast.progress_message_id is not None:
            return False
        started = broadcast.started_at or self.clock.now()
        return self.clock.now() - started < PROGRESS_GRACE

    async def _look_at(self, session: AsyncSession, broadcast: Broadcast) -> bool:
        author = await session.get(User, broadcast.author_id) if broadcast.author_id else None
        locale = self._locale_of(author)
        stopped = broadcast.status == BroadcastStatus.CANCELLED
        if self._progress_on_its_way(broadcast):
            return False
        final = await broadcasts.finish_if_done(session, broadcast, clock=self.clock)
        if final is not None:
            await session.refresh(broadcast)
            unreached = await broadcast_report.not_reached(session, broadcast.id)
            with self.i18n.context(), self.i18n.use_locale(locale):
                text = broadcast_views.final_text(
                    broadcast, final, stopped=stopped, unreached=unreached
                )
                markup = broadcast_views.progress_keyboard(broadcast, sending=False)
                closing = broadcast_views.closing_text(broadcast, stopped=stopped)
            chat_id = broadcast.progress_chat_id or (author.telegram_id if author else None)
            if chat_id is not None:
                await enqueue_message(
                    session,
                    chat_id=chat_id,
                    text=text,
                    kind="broadcast.report",
                    priority=Priority.NOTICE,
                    clock=self.clock,
                    user_id=author.id if author else None,
                    reply_markup=markup.model_dump(mode="json", exclude_none=True)
                    if markup
                    else None,
                )
            # the report is posted once, above; the progress message only says it is over
            await self._show(broadcast, closing, None, force=True)
            self._shown.pop(broadcast.id, None)
            return True
        if stopped:
            return False  # the handler already said so; the report follows when settled
        figures = await broadcasts.progress(session, broadcast.id)
        with self.i18n.context(), self.i18n.use_locale(locale):
            text = broadcast_views.progress_text(broadcast, figures)
            markup = broadcast_views.progress_keyboard(broadcast, sending=True)
        if broadcast.progress_chat_id is None and author and author.telegram_id:
            # A scheduled broadcast has just started: its coordinator gets a progress message.
            try:
                message = await self.bot.send_message(author.telegram_id, text, reply_markup=markup)
            except TelegramAPIError as error:
                logger.warning("event=progress_message_failed error=%s", error)
                return False
            await broadcast_queries.set_progress_message(
                session, broadcast.id, message.chat.id, message.message_id
            )
            self._shown[broadcast.id] = (time.monotonic(), text)
            return False
        await self._show(broadcast, text, markup)
        return False

    async def _show(
        self,
        broadcast: Broadcast,
        text: str,
        markup: InlineKeyboardMarkup | None,
        *,
        force: bool = False,
    ) -> None:
        """Edit the progress message, at most every `edit_every` seconds and only if changed."""
        if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
            return
        last_at, last_text = self._shown.get(broadcast.id, (0.0, ""))
        now = time.monotonic()
        if text == last_text or (not force and now - last_at < self.edit_every):
            return
        self._shown[broadcast.id] = (now, text)
        with contextlib.suppress(TelegramAPIError):  # not modified, deleted, too old
            await self.bot.edit_message_text(
                text,
                chat_id=broadcast.progress_chat_id,
                message_id=broadcast.progress_message_id,
                reply_markup=markup,
            )
