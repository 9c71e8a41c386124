"""Many communities on one deployment: the tree of districts, streets and communities, each
community's settings, and the communities a person acts in (their scope).

Every rule that asks "which community" asks here, so that nothing of one community reaches
another's people: a resident lives in one; a volunteer serves the one they registered in
(all of it, when that is a street) and any further ones a coordinator added; a coordinator
acts for a community, a street or a district, and so for every community below it.

The tree is read once per database session (one small query) and kept in `session.info`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings, parse_emergency_numbers
from bot.policy.permissions import is_coordinator, is_helper
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.schedule import QuietHours
from storage.models import Community, CommunityLevel, User
from storage.repositories import communities as queries

_TREE = "linli.communities"  # in session.info
_SCOPES = "linli.scopes"  # in session.info: person id -> their scope
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
NAME_MAX = 64
FIRST_COMMUNITY_ID = 1
"""The community an existing single-community database was moved into (migration 0012): the
environment's COORDINATOR_CHAT_ID and VOLUNTEER_CHAT_ID are its groups unless it has its own."""


@dataclass(frozen=True)
class CommunitySettings:
    """A community's settings as they apply: its own, else its street's or district's, else
    the environment's."""

    id: int
    name: str
    timezone: str
    quiet_hours: QuietHours
    emergency_numbers: list[tuple[str, str]]
    phone: str
    coordinator_chat_id: int | None
    volunteer_chat_id: int | None


class CommunityTree:
    """All communities of the deployment, with the questions asked of their levels. Pure:
    built from rows, asks nothing of the database."""

    def __init__(self, rows: Iterable[Community], settings: Settings) -> None:
        self._rows = {row.id: row for row in rows}
        self._settings = settings
        self._children: dict[int | None, list[int]] = {}
        for row in self._rows.values():
            self._children.setdefault(row.parent_id, []).append(row.id)

    def get(self, community_id: int | None) -> Community | None:
        return self._rows.get(community_id) if community_id is not None else None

    def name(self, community_id: int | None) -> str:
        row = self.get(community_id)
        return row.name if row is not None else ""

    @cached_property
    def communities(self) -> list[Community]:
        """Where people live (not streets or districts), by name."""
        leaves = [row for row in self._rows.values() if row.level is CommunityLevel.COMMUNITY]
        return sorted(leaves, key=lambda row: (row.name, row.id))

    def lineage(self, community_id: int) -> list[int]:
        """The community, its street, its district: nearest first."""
        chain: list[int] = []
        node = self._rows.get(community_id)
        while node is not None and node.id not in chain:
            chain.append(node.id)
            node = self._rows.get(node.parent_id) if node.parent_id is not None else None
        return chain

    def below(self, node_id: int | None) -> frozenset[int]:
        """The communities (leaves) at or below a node: a street's communities, or itself."""
        found: set[int] = set()
        stack = [node_id] if node_id in self._rows else []
        while stack:
            current = stack.pop()
            if self._rows[current].level is CommunityLevel.COMMUNITY:
                found.add(current)
            stack.extend(self._children.get(current, ()))
        return frozenset(found)

    def covers(self, node_id: int | None, community_id: int | None) -> bool:
        return (
            node_id is not None
            and community_id is not None
            and (node_id in self.lineage(community_id))
        )

    def settings(self, community_id: int | None) -> CommunitySettings:
        env = self._settings
        chain = [self._rows[i] for i in self.lineage(community_id)] if community_id else []

        def first(field: str) -> str | None:
            return next((getattr(r, field) for r in chain if getattr(r, field)), None)

        def group(field: str) -> int | None:
            chat = next((getattr(r, field) for r in chain if getattr(r, field) is not None), None)
            if chat is None and (community_id == FIRST_COMMUNITY_ID or not chain):
                chat = getattr(env, field)
            return chat

        return CommunitySettings(
            id=community_id or FIRST_COMMUNITY_ID,
            name=chain[0].name if chain else "",
            timezone=first("timezone") or env.default_timezone,
            quiet_hours=QuietHours.parse(first("quiet_hours") or env.quiet_hours),
            emergency_numbers=parse_emergency_numbers(
                first("emergency_numbers") or env.emergency_numbers
            ),
            phone=first("phone") or env.community_phone,
            coordinator_chat_id=group("coordinator_chat_id"),
            volunteer_chat_id=group("volunteer_chat_id"),
        )

    def group_owner(self, chat_id: int) -> int | None:
        """The community, street or district whose coordinators' or volunteers' group this is."""
        for row in self._rows.values():
            if chat_id in (row.coordinator_chat_id, row.volunteer_chat_id):
                return row.id
        env = self._settings
        if chat_id in (env.coordinator_chat_id, env.volunteer_chat_id):
            return FIRST_COMMUNITY_ID
        return None


async def tree(session: AsyncSession, settings: Settings) -> CommunityTree:
    found = session.info.get(_TREE)
    if found is None:
        found = CommunityTree(await queries.all_communities(session), settings)
        session.info[_TREE] = found
    return found


def forget_tree(session: AsyncSession) -> None:
    """After a community was added or changed in this session."""
    session.info.pop(_TREE, None)
    session.info.pop(_SCOPES, None)


async def scope_of(
    session: AsyncSession, settings: Settings, person: User | None
) -> frozenset[int]:
    """The communities a person acts in: a coordinator's, all below their node; a helper's,
    their own and those they serve; anyone else's, the one they live in."""
    if person is None or person.community_id is None:
        return frozenset()
    scopes: dict[int, frozenset[int]] = session.info.setdefault(_SCOPES, {})
    if person.id in scopes:
        return scopes[person.id]
    communities = await tree(session, settings)
    if is_coordinator(person):
        scope = communities.below(person.community_id)
    elif is_helper(person):
        nodes = [person.community_id, *await queries.served_by(session, person.id)]
        scope = frozenset().union(*(communities.below(node) for node in nodes))
    else:
        scope = frozenset({person.community_id})
    scopes[person.id] = scope
    return scope


async def require_within(
    session: AsyncSession, settings: Settings, person: User | None, community_id: int | None
) -> None:
    """`NotAllowed` unless the record's community is one the person acts in: a forged button
    naming another community's request, plan or person is refused like any forged button."""
    if community_id is None or community_id not in await scope_of(session, settings, person):
        raise NotAllowed()


async def add_community(
    session: AsyncSession,
    *,
    name: str,
    slug: str,
    level: CommunityLevel = CommunityLevel.COMMUNITY,
    parent_slug: str | None = None,
    clock: Clock,
    **community_settings: object,
) -> Community:
    """A new community, street or district (for `linli community add`). A community sits
    under a street or a district; a street under a district; a district at the top."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX or not SLUG_RE.fullmatch(slug):
        raise InvalidInput()
    if await queries.by_slug(session, slug) is not None:
        raise InvalidInput()
    parent = None
    if parent_slug is not None:
        parent = await queries.by_slug(session, parent_slug)
        allowed = _PARENT_LEVELS[level]
        if parent is None or parent.level not in allowed:
            raise InvalidInput()
    if community_settings.get("emergency_numbers"):
        parse_emergency_numbers(str(community_settings["emergency_numbers"]))
    if community_settings.get("quiet_hours"):
        QuietHours.parse(str(community_settings["quiet_hours"]))
    row = await queries.add(
        session,
        name=name,
        slug=slug,
        level=level,
        parent_id=parent.id if parent is not None else None,
        at=clock.now(),
        **{key: value for key, value in community_settings.items() if value not in (None, "")},
    )
    forget_tree(session)
    return row


_PARENT_LEVELS = {
    CommunityLevel.COMMUNITY: (CommunityLevel.STREET, CommunityLevel.DISTRICT),
    CommunityLevel.STREET: (CommunityLevel.DISTRICT,),
    CommunityLevel.DISTRICT: (),
}


def home_of(person: User | None) -> int:
    """The community a person's records belong to: theirs, or, for someone who has not yet
    said where they live (an emergency while registering), the first community."""
    if person is None or person.community_id is None:
        return FIRST_COMMUNITY_ID
    return person.community_id
