"""Router-level filters per audience: a router (or one handler) for coordinators only says so
once, with the rule from `bot.policy.permissions`."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from bot.policy.permissions import Action, may
from storage.models import User


class Allowed(Filter):
    """Passes when the person may do `action` (no record: a role-level rule)."""

    def __init__(self, action: Action) -> None:
        self.action = action

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return may(user, self.action)
