"""People: who they are, their consent, their language, and deleting what is theirs."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import holds_coordinator_role
from bot.services import communities, places
from bot.services.communities import home_of
from bot.services.errors import (
    DescriptionEmpty,
    NameEmpty,
    NameTooLong,
    NotAllowed,
    PhoneInvalid,
    TextTooLong,
)
from storage.models import Community, Place, User, UserRole
from storage.repositories import audit
from storage.repositories import users as user_queries

if TYPE_CHECKING:
    from bot.services.erasure import Erasure

NAME_MAX = 64
ADDRESS_MAX = 200
_PHONE_ALLOWED = re.compile(r"^\+?[\d\s\-().]+$")


@dataclass(frozen=True)
class TelegramProfile:
    """What Telegram tells us about a person, as plain values."""

    telegram_id: int
    username: str | None
    language_code: str | None


def clean_text(text: str) -> str:
    """Collapse whitespace and drop control characters people paste by accident."""
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch == " ")
    return " ".join(text.split())


def clean_name(text: str) -> str:
    name = clean_text(text)
    if not name or name.startswith("/"):
        raise NameEmpty()
    if len(name) > NAME_MAX:
        raise NameTooLong(NAME_MAX)
    return name


def clean_address(text: str) -> str:
    """The exact address (street, building, flat), as the person wrote it."""
    address = clean_text(text)
    if not address or address.startswith("/"):
        raise DescriptionEmpty()
    if len(address) > ADDRESS_MAX:
        raise TextTooLong(ADDRESS_MAX)
    return address


async def save_address(session: AsyncSession, user: User, text: str, *, clock: Clock) -> str:
    """Keep (or change) the person's exact address: requests, paired visits and check-in alerts
    all use this one."""
    user.address = clean_address(text)
    user.updated_at = clock.now()
    await session.flush()
    return user.address


def normalise_phone(text: str) -> str:
    """Accept the ways people write numbers ("138 0013 8000", "+852-2345-6789") and keep digits."""
    raw = text.strip()
    if not _PHONE_ALLOWED.match(raw):
        raise PhoneInvalid()
    digits = re.sub(r"\D", "", raw)
    if not 6 <= len(digits) <= 15:
        raise PhoneInvalid()
    return ("+" if raw.startswith("+") else "") + digits


async def sync_user(
    session: AsyncSession, profile: TelegramProfile, *, clock: Clock, default_timezone: str
) -> User:
    """Find the person by their Telegram id, creating them on first contact, and refresh what
    Telegram says about them. Their @username is kept only once they have agreed to the notice."""
    now = clock.now()
    user = await user_queries.get_by_telegram_id(session, profile.telegram_id)
    if user is None:
        user = User(
            telegram_id=profile.telegram_id,
            telegram_language=profile.language_code,
            timezone=default_timezone,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        await session.flush()
        return user
    username = profile.username if user.consent_at is not None else None
    if (user.telegram_username, user.telegram_language) != (username, profile.language_code):
        user.telegram_username = username
        user.telegram_language = profile.language_code
        user.updated_at = now
    return user


async def choose_locale(session: AsyncSession, user: User, locale: str, *, clock: Clock) -> None:
    user.locale = locale
    user.updated_at = clock.now()
    await session.flush()


async def record_consent(session: AsyncSession, user: User, *, clock: Clock) -> None:
    """The person agreed to the privacy notice; nothing personal is stored before this."""
    now = clock.now()
    user.consent_at = now
    user.updated_at = now
    audit.record(session, at=now, action="consent.given", actor_id=user.id, subject_id=user.id)
    await session.flush()


async def complete_onboarding(
    session: AsyncSession,
    user: User,
    *,
    role: UserRole,
    display_name: str,
    phone: str | None,
    place: Place | None,
    address: str | None = None,
    clock: Clock,
    settings: Settings | None = None,
) -> User:
    """Save the person's details and role. A coordinator (from an invite) stays a coordinator.
    `place` is one the coordinators defined (None: not sure, or none defined yet); `address` is
    the exact one, which only a task's holder and the coordinators will see. The community is
    the one they joined or chose, else the first; with `settings`, their clock is its."""
    now = clock.now()
    if settings is not None:
        await settle_in(session, settings, user, home_of(user))
    if not holds_coordinator_role(user):
        user.role = role
    user.display_name = clean_name(display_name)
    user.phone = normalise_phone(phone) if phone else None
    places.assign(user, place)
    if address:
        user.address = clean_address(address)
    user.community_id = home_of(user)
    user.onboarded_at = user.onboarded_at or now
    user.updated_at = now
    audit.record(
        session,
        at=now,
        action="user.onboarded",
        actor_id=user.id,
        subject_id=user.id,
        detail={"role": str(user.role)},
    )
    await session.flush()
    return user


async def settle_in(
    session: AsyncSession, settings: Settings, user: User, community_id: int
) -> None:
    """The person lives in this community (a coordinator: acts for this node): what they ask
    for, offer or plan belongs to it, and they live on its clock."""
    user.community_id = community_id
    user.timezone = (await communities.tree(session, settings)).settings(community_id).timezone
    communities.forget_tree(session)  # their scope changed with it
    await session.flush()


async def join_by_link(
    session: AsyncSession, settings: Settings, user: User, payload: str, *, clock: Clock
) -> Community | None:
    """A community's join link opened by someone not yet registered: they are registering in
    it. None when the link names no community people live in (registering goes on without).
    Someone registered already stays where they are."""
    slug = communities.joined_slug(payload)
    community = await communities.joinable(session, slug) if slug else None
    if community is None or user.is_onboarded:
        return community
    await settle_in(session, settings, user, community.id)
    user.updated_at = clock.now()
    return community


async def needs_community(session: AsyncSession, user: User) -> bool:
    """Registering asks where the person lives only when there is a choice and no link or
    invitation has said it."""
    return user.community_id is None and len(await communities.to_live_in(session)) > 1


async def choose_community(
    session: AsyncSession, settings: Settings, user: User, community_id: int
) -> Community:
    """The community tapped while registering. `NotAllowed` for anything but one people live
    in (a forged or stale button): nothing changes."""
    found = [c for c in await communities.to_live_in(session) if c.id == community_id]
    if not found or user.is_onboarded:
        raise NotAllowed()
    await settle_in(session, settings, user, community_id)
    return found[0]


async def community_named(session: AsyncSession, text: str) -> Community | None:
    """The community whose name was typed instead of tapped, if it is one."""
    typed = clean_text(text).casefold()
    found = [c for c in await communities.to_live_in(session) if c.name.casefold() == typed]
    return found[0] if found else None


async def delete_personal_data(session: AsyncSession, user: User, *, clock: Clock) -> Erasure:
    """Erase what identifies the person, and every copy of what they gave (see
    `bot.services.erasure`). The row stays, anonymous, so that records which other people rely
    on (and the audit log) keep their shape; the Telegram id is dropped, so a later /start is a
    stranger again. Returns what was erased, for `forget_conversations` and to tell the
    volunteers whose tasks were cancelled."""
    from bot.services.erasure import erase_traces  # it uses the request rules, which use ours

    now = clock.now()
    erasure = await erase_traces(session, user, clock=clock)
    user.telegram_id = None
    user.telegram_username = None
    user.telegram_language = None
    user.display_name = None
    user.phone = None
    user.place_id = None
    user.area = None
    user.address = None
    user.access_notes = None
    user.locale = None
    user.consent_at = None
    user.deleted_at = now
    user.updated_at = now
    audit.record(session, at=now, action="user.data_deleted", actor_id=user.id, subject_id=user.id)
    await session.flush()
    return erasure
