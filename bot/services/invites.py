"""One-time invitation codes that give a role (first coordinators come from the command line)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.policy.permissions import holds_coordinator_role
from bot.services.communities import JOIN_PREFIX, home_of
from bot.services.errors import InviteBelowRole, InviteExpired, InviteInvalid, InviteUsed
from bot.services.users import settle_in
from storage.models import Invite, User, UserRole
from storage.repositories import audit
from storage.repositories import communities as community_queries
from storage.repositories import invites as invite_queries

_CODE_BYTES = 12  # 16 URL-safe characters: fits a /start payload, not guessable


@dataclass(frozen=True)
class IssuedInvite:
    """The code is shown once; only its hash is stored."""

    code: str
    role: UserRole
    expires_at: datetime
    community_id: int


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


async def create_invite(
    session: AsyncSession,
    *,
    role: UserRole,
    ttl: timedelta,
    clock: Clock,
    created_by: User | None = None,
    community_id: int | None = None,
) -> IssuedInvite:
    """A one-time code for `role` in a community (a street or district, for a coordinator):
    the one given (the command line), else the creator's. Never starting like a community's
    join link."""
    now = clock.now()
    for _attempt in range(3):
        code = secrets.token_urlsafe(_CODE_BYTES)
        while code.startswith(JOIN_PREFIX):
            code = secrets.token_urlsafe(_CODE_BYTES)
        invite = Invite(
            code_hash=hash_code(code),
            role=role,
            community_id=community_id or home_of(created_by),
            created_at=now,
            expires_at=now + ttl,
            created_by_id=created_by.id if created_by else None,
        )
        try:
            async with session.begin_nested():
                session.add(invite)
        except IntegrityError:  # pragma: no cover - a 96-bit collision
            continue
        audit.record(
            session,
            at=now,
            action="invite.created",
            actor_id=created_by.id if created_by else None,
            subject_id=None,
            detail={"invite_id": invite.id, "role": str(role), "community_id": invite.community_id},
        )
        return IssuedInvite(
            code=code, role=role, expires_at=invite.expires_at, community_id=invite.community_id
        )
    raise RuntimeError("could not create a unique invite code")  # pragma: no cover


async def redeem_invite(
    session: AsyncSession,
    user: User,
    code: str,
    *,
    clock: Clock,
    settings: Settings | None = None,
) -> UserRole:
    """Give `user` the invite's role in the invite's community, once (a coordinator invite
    for a street makes a street coordinator); with `settings`, they live on its clock too.
    Raises InviteInvalid, InviteExpired, InviteUsed, or InviteBelowRole (a coordinator keeps
    their role where they act already; the invite stays unused)."""
    if not code or len(code) > 64:
        raise InviteInvalid()
    invite = await invite_queries.get_by_hash(session, hash_code(code))
    if invite is None:
        raise InviteInvalid()
    now = clock.now()
    if invite.used_at is not None and invite.used_by_id == user.id:
        return invite.role  # the same person opening the same link twice
    if holds_coordinator_role(user, over=invite.role):
        raise InviteBelowRole()
    if await _acts_there_already(session, user, invite):
        raise InviteBelowRole()
    if not await invite_queries.mark_used(session, invite.id, user.id, now):
        # used or expired: the UPDATE decided; reading the row again only says which
        await session.refresh(invite)
        if invite.used_at is not None:
            raise InviteUsed()
        raise InviteExpired()
    previous = user.role
    user.role = invite.role
    user.updated_at = now
    if settings is not None:
        await settle_in(session, settings, user, invite.community_id)
    else:
        user.community_id = invite.community_id
    audit.record(
        session,
        at=now,
        action="role.granted",
        actor_id=invite.created_by_id,
        subject_id=user.id,
        detail={"invite_id": invite.id, "role": str(invite.role), "previous": str(previous)},
    )
    await session.flush()
    return invite.role


async def _acts_there_already(session: AsyncSession, user: User, invite: Invite) -> bool:
    """A coordinator opening a coordinator's invitation for their own node or one below it
    (meant for someone else): they keep acting where they do. (A coordinator's invitation:
    one for a lesser role was refused before.)"""
    if not holds_coordinator_role(user) or user.community_id is None:
        return False
    return user.community_id in await community_queries.lineage(session, invite.community_id)


async def redeemed_invite(session: AsyncSession, user: User) -> tuple[bool, User | None]:
    """Whether `user` came with an invite for their current role, and who created it (None for
    an invite made on the command line)."""
    invite = await invite_queries.last_used_by(session, user.id)
    if invite is None or invite.role is not user.role:
        return False, None
    creator = await session.get(User, invite.created_by_id) if invite.created_by_id else None
    return True, creator
