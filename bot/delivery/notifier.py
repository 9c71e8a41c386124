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
from bot.services import communities
from bot.services.communities import CommunitySettings
from bot.services.media import Media, Upload
from storage.models import OutboxMessage, User
from storage.repositories import community as group_queries
from storage.repositories import requests as request_queries

_AHEAD = "linli.coordinators_ahead"

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
        unreachable: bool | None = None, flush: bool = True, media: Media | Upload | None = None,
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
        media: Media | Upload | None = None,
    ) -> OutboxMessage | None:
        """Nothing is sent to someone who deleted their data (no Telegram id left).
        `not_before` holds a message back; without it, a resident's non-urgent messages wait
        for the end of the quiet hours of their own timezone."""
        if user is None or user.telegram_id is None:
            return None
        if not_before is None and keeps_quiet_hours(user) and priority < Priority.ALERT:
            now = self.clock.now()
            quiet = (await self.community(user.community_id)).quiet_hours
            morning = quiet.next_allowed(now, user.timezone)
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

    async def community(self, community_id: int | None) -> CommunitySettings:
        """The settings of a community (its groups, quiet hours, numbers) as they apply."""
        return (await communities.tree(self.session, self.settings)).settings(community_id)

    async def coordinators_of(self, community_id: int | None) -> list[User]:
        """The coordinators nearest a community: its own, else its street's, else its
        district's; never those of another community. Read by `read_coordinators_ahead`
        just before, for the one call that follows."""
        ahead: dict[int | None, list[User]] = self.session.info.get(_AHEAD, {})
        if community_id in ahead:
            return ahead.pop(community_id)
        chain = (await communities.tree(self.session, self.settings)).lineage(
            community_id or communities.FIRST_COMMUNITY_ID
        )
        return await request_queries.coordinators(self.session, of=chain)

    async def read_coordinators_ahead(self, community_id: int | None) -> None:
        """Read who will be told (and the communities) before a change is written, so that
        the change's write transaction (on SQLite, the one writer) does not wait for them."""
        coordinators = await self.coordinators_of(community_id)
        self.session.info.setdefault(_AHEAD, {})[community_id] = coordinators

    async def tell_coordinators(
        self,
        render: Render,
        *,
        community_id: int | None,
        kind: str,
        priority: Priority,
        media: Media | Upload | None = None,
    ) -> int:
        """To the community's coordinators' group when it has one (in its language), else
        to each of its coordinators privately in their own. Returns how many were queued."""
        chat = (await self.community(community_id)).coordinator_chat_id
        if chat is not None:
            await self.tell_chat(
                chat, await self.group_locale(chat), render, kind=kind, priority=priority,
                media=media,
            )  # fmt: skip
            return 1
        queued = 0
        for coordinator in await self.coordinators_of(community_id):
            if await self.tell_user(coordinator, render, kind=kind, priority=priority, media=media):
                queued += 1
        return queued

    async def tell_volunteers_group(
        self, render: Render, *, community_id: int | None, kind: str, priority: Priority
    ) -> OutboxMessage | None:
        chat = (await self.community(community_id)).volunteer_chat_id
        if chat is None:
            return None
        return await self.tell_chat(
            chat, await self.group_locale(chat), render, kind=kind, priority=priority
        )
