"""Messages to people other than the one acting: rendered in each recipient's language and put
in the outbox in the same transaction as the change that caused them.

A handler (or the scheduler) makes a `Notifier` with the update's session and calls `tell_user`,
`tell_chat` or `tell_coordinators` with a function that renders the text (and buttons) in the
language currently set; the notifier sets each recipient's language around that call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.outbox import Priority, enqueue_message
from bot.i18n import recipient_locale
from bot.policy.permissions import keeps_quiet_hours
from bot.services.media import Media
from bot.services.schedule import QuietHours
from storage.models import OutboxMessage, User
from storage.repositories import community as group_queries
from storage.repositories import requests as request_queries

Rendered = tuple[str, InlineKeyboardMarkup | ReplyKeyboardMarkup | None]
"""A message's text and buttons; a reply keyboard puts the person's menu back."""
Render = Callable[[], Rendered]


def words_only(text: Callable[[], str]) -> Render:
    """A message of words and no buttons: `text` renders them in the recipient's language."""
    return lambda: (text(), None)


@dataclass
class Notifier:
    session: AsyncSession
    settings: Settings
    clock: Clock
    i18n: I18n

    def _render(self, locale: str, render: Render) -> Rendered:
        with self.i18n.context(), self.i18n.use_locale(locale):
            return render()

    async def tell_chat(
        self, chat_id: int, locale: str, render: Render, *, kind: str, priority: Priority,
        user_id: int | None = None, not_before: datetime | None = None,
        unreachable: bool | None = None, flush: bool = True, media: Media | None = None,
    ) -> OutboxMessage:  # fmt: skip
        """`unreachable`: when the caller knows (no query); `flush=False`: many rows at once;
        `media`: a file sent again by its id, the rendered text as its caption."""
        text, markup = self._render(locale, render)
        return await enqueue_message(
            self.session,
            chat_id=chat_id,
            text=text,
            kind=kind,
            priority=priority,
            clock=self.clock,
            user_id=user_id,
            reply_markup=markup.model_dump(mode="json", exclude_none=True) if markup else None,
            not_before=not_before,
            unreachable=unreachable,
            flush=flush,
            media=media,
        )

    async def tell_user(
        self,
        user: User | None,
        render: Render,
        *,
        kind: str,
        priority: Priority,
        not_before: datetime | None = None,
        flush: bool = True,
        media: Media | None = None,
    ) -> OutboxMessage | None:
        """Nothing is sent to someone who deleted their data (no Telegram id left).
        `not_before` holds a message back; without it, a resident's non-urgent messages wait
        for the end of the quiet hours of their own timezone."""
        if user is None or user.telegram_id is None:
            return None
        if not_before is None and keeps_quiet_hours(user) and priority < Priority.ALERT:
            now = self.clock.now()
            morning = QuietHours.parse(self.settings.quiet_hours).next_allowed(now, user.timezone)
            not_before = morning if morning != now else None
        locale = recipient_locale(user, self.settings.default_locale)
        return await self.tell_chat(
            user.telegram_id,
            locale,
            render,
            kind=kind,
            priority=priority,
            user_id=user.id,
            not_before=not_before,
            unreachable=user.unreachable_at is not None,
            flush=flush,
            media=media,
        )

    async def group_locale(self, chat_id: int) -> str:
        """The language a coordinator chose for the group, else the community's default."""
        chosen = await group_queries.group_locale(self.session, chat_id)
        return chosen or self.settings.default_locale

    async def tell_coordinators(
        self, render: Render, *, kind: str, priority: Priority, media: Media | None = None
    ) -> int:
        """To the coordinators' group when one is configured (in its language), else to
        each coordinator privately in their own. Returns how many messages were queued."""
        if self.settings.coordinator_chat_id is not None:
            await self.tell_chat(
                self.settings.coordinator_chat_id,
                await self.group_locale(self.settings.coordinator_chat_id),
                render,
                kind=kind,
                priority=priority,
                media=media,
            )
            return 1
        queued = 0
        for coordinator in await request_queries.coordinators(self.session):
            if await self.tell_user(coordinator, render, kind=kind, priority=priority, media=media):
                queued += 1
        return queued

    async def tell_volunteers_group(
        self, render: Render, *, kind: str, priority: Priority
    ) -> OutboxMessage | None:
        if self.settings.volunteer_chat_id is None:
            return None
        return await self.tell_chat(
            self.settings.volunteer_chat_id,
            await self.group_locale(self.settings.volunteer_chat_id),
            render,
            kind=kind,
            priority=priority,
        )
