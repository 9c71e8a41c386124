"""The coordinators hear of a message that could not be sent: a row that failed for a reason of
its own after a few tries, or an alert that protects a person and was refused for good. Queued
in the transaction that marks the row failed, so the flag exists if and only if the failure
was recorded."""

from __future__ import annotations

import html
from collections.abc import Sequence

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.attempt import UNDELIVERABLE_KIND, Undeliverable, UndeliverableHook
from bot.delivery.notifier import Notifier, Rendered
from bot.delivery.outbox import Priority
from bot.services import communities
from storage.models import User


def undeliverable_flagger(settings: Settings, clock: Clock, i18n: I18n) -> UndeliverableHook:
    async def flag(session: AsyncSession, rows: Sequence[Undeliverable]) -> None:
        notifier = Notifier(session, settings, clock, i18n)
        for row, _reason in rows:
            name, community_id = None, None
            if row.chat_id > 0:
                found = (
                    await session.execute(
                        select(User.display_name, User.community_id).where(
                            User.telegram_id == row.chat_id
                        )
                    )
                ).first()
                if found is not None:
                    name, community_id = found
            else:
                community_id = (await communities.tree(session, settings)).group_owner(row.chat_id)

            def render(
                row_id: int = row.id, kind: str = row.kind, name: str | None = name
            ) -> Rendered:
                whom = html.escape(name) if name else _("a group chat")
                return (
                    _(
                        "⚠️ A message to {whom} could not be sent, even after several "
                        "tries (no. {id}, <code>{kind}</code>). Please make sure they hear "
                        "it another way."
                    ).format(whom=whom, id=row_id, kind=html.escape(kind)),
                    None,
                )

            await notifier.tell_coordinators(
                render, community_id=community_id, kind=UNDELIVERABLE_KIND, priority=Priority.ALERT
            )

    return flag
