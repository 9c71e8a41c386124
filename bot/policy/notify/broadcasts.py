"""Who receives a broadcast: the coordinator picks a segment, this decides who is in it.
Only registered, not deleted people with a Telegram chat of the broadcast's communities (never
another community's, whatever the segment); the language segment goes by the language each
person reads, as their message will be written in."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import recipient_locale
from storage.models import Audience, User, UserRole
from storage.repositories import broadcasts as queries


async def recipients(
    session: AsyncSession,
    audience: Audience,
    value: str | None,
    *,
    community_ids: Collection[int],
    default_locale: str,
) -> list[User]:
    """The people of `community_ids` in the segment `audience` (with `value`: a place's id, a
    language)."""
    query = queries.in_communities(queries.reachable_people(), community_ids)
    match audience:
        case Audience.EVERYONE:
            pass
        case Audience.RESIDENTS:
            query = queries.with_role(query, UserRole.RESIDENT)
        case Audience.VOLUNTEERS:
            query = queries.approved_volunteers(query)
        case Audience.AREA:
            query = queries.in_place(query, int(value) if value and value.isdigit() else None)
        case Audience.LANGUAGE:
            return [
                user
                for user in await queries.people(session, query)
                if recipient_locale(user, default_locale) == value
            ]
        case Audience.CHECKINS:
            query = queries.enrolled_in_checkins(query)
    return await queries.people(session, query)
