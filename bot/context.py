"""What every handler needs about the update it handles, built once by middleware.

A handler takes `ctx: UpdateContext` instead of asking for the session, the person, the clock,
the settings and i18n one by one and building its own `Notifier`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.policy.permissions import Action, may
from bot.services import communities
from bot.services.communities import CommunitySettings
from storage.models import User


@dataclass
class UpdateContext:
    session: AsyncSession
    person: User | None
    """The person who sent the update (found or created); None for updates from no one."""
    locale: str
    clock: Clock
    settings: Settings
    i18n: I18n
    group_locale: str | None = None
    """In a group: the language a coordinator chose for it (None: never chosen)."""
    notifier: Notifier = field(init=False)
    """Messages to other people, queued in this update's transaction."""

    def __post_init__(self) -> None:
        self.notifier = Notifier(self.session, self.settings, self.clock, self.i18n)

    def may(self, action: Action, record: Any = None) -> bool:
        return may(self.person, action, record)

    async def scope(self) -> frozenset[int]:
        """The communities the person acts in (see `bot.services.communities.scope_of`)."""
        return await communities.scope_of(self.session, self.settings, self.person)

    async def community(self) -> CommunitySettings:
        """The settings of the person's community (their numbers, timezone, quiet hours)."""
        return await self.notifier.community(self.person.community_id if self.person else None)

    def group_language(self) -> str:
        """What the group of this update reads: its chosen language, else the default (the
        language the Notifier wrote its posts in)."""
        return self.group_locale or self.settings.default_locale

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> UpdateContext:
        return cls(
            session=data["session"],
            person=data.get("user"),
            locale=data["locale"],
            clock=data["clock"],
            settings=data["settings"],
            i18n=data["i18n"],
        )
