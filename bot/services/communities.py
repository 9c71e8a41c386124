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
from storage.repositories import ledger as ledger_queries

_TREE = "linli.communities"  # in session.info
_SCOPES = "linli.scopes"  # in session.info: person id -> their scope
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
NAME_MAX = 64
FIRST_COMMUNITY_ID = 1
DEFAULT_CURRENCY = "CNY"
CURRENCY_RE = re.compile(r"[A-Z]{3}")
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
    currency: str = DEFAULT_CURRENCY
    pickup_point: str = ""  # where donors may leave a wish's gift ("社区服务中心一楼"); "": none


class CommunityTree:
    """All communities of the deployment, with the questions asked of their levels. Pure:
    built from rows, asks nothing of the database."""

    def __init__(self, rows: Iterable[Community], settings: Settings | None) -> None:
        """`settings`: the environment's, for what no community sets; None only to ask who is
        below whom (a scope), never a community's settings."""
        self._rows = {row.id: row for row in rows}
        self._settings = settings
        self._children: dict[int | None, list[int]] = {}
        for row in self._rows.values():
            self._children.setdefault(row.parent_id, []).append(row.id)

    def _environment(self) -> Settings:
        if self._settings is None:
            raise RuntimeError("a community's settings need the environment's Settings")
        return self._settings

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
        env = self._environment()
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
            currency=self.currency(community_id),
            pickup_point=first("pickup_point") or env.wish_pickup_point,
        )

    def currency(self, community_id: int | None) -> str:
        """The money of a community's fund: its own, else its street's or district's, else
        CNY (no environment setting: a tree built for scopes answers it too)."""
        chain = [self._rows[i] for i in self.lineage(community_id)] if community_id else []
        return next((row.currency for row in chain if row.currency), DEFAULT_CURRENCY)

    def group_owner(self, chat_id: int) -> int | None:
        """The community, street or district whose coordinators' or volunteers' group this is."""
        for row in self._rows.values():
            if chat_id in (row.coordinator_chat_id, row.volunteer_chat_id):
                return row.id
        env = self._environment()
        if chat_id in (env.coordinator_chat_id, env.volunteer_chat_id):
            return FIRST_COMMUNITY_ID
        return None


async def tree(session: AsyncSession, settings: Settings | None) -> CommunityTree:
    """The session's tree (read once); `settings` None: for scopes only (see CommunityTree)."""
    found: CommunityTree | None = session.info.get(_TREE)
    if found is None or (found._settings is None and settings is not None):
        found = CommunityTree(await queries.all_communities(session), settings)
        session.info[_TREE] = found
    return found


def forget_tree(session: AsyncSession) -> None:
    """After a community was added or changed in this session."""
    session.info.pop(_TREE, None)
    session.info.pop(_SCOPES, None)


async def scope_of(
    session: AsyncSession, settings: Settings | None, person: User | None
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
    session: AsyncSession,
    settings: Settings | None,
    person: User | None,
    community_id: int | None,
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


# Joining a community, and changing one from the command line (`linli community add/set`).

JOIN_PREFIX = "c-"
"""A community's join link is t.me/<bot>?start=c-<slug>; invitation codes never start so."""
SETTING_FIELDS = (
    "timezone",
    "quiet_hours",
    "emergency_numbers",
    "phone",
    "coordinator_chat_id",
    "volunteer_chat_id",
    "currency",
    "pickup_point",
)
PHONE_MAX = 32
PICKUP_POINT_MAX = 128


class CommunityRefused(InvalidInput):
    """A name, slug, parent or setting that cannot be used, with the reason in one line for
    the person at the command line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def join_link(bot_username: str, slug: str) -> str:
    return f"https://t.me/{bot_username}?start={JOIN_PREFIX}{slug}"


def joined_slug(payload: str) -> str | None:
    """The slug of a join link's payload ("c-east" -> "east"); None for anything else."""
    payload = payload.strip()
    return payload[len(JOIN_PREFIX) :] if payload.startswith(JOIN_PREFIX) else None


async def to_live_in(session: AsyncSession) -> list[Community]:
    """The communities a person may say they live in (never a street or a district), by name."""
    cached: CommunityTree | None = session.info.get(_TREE)
    return cached.communities if cached is not None else await queries.to_live_in(session)


async def joinable(session: AsyncSession, slug: str) -> Community | None:
    """The community of a join link: one where people live."""
    row = await queries.by_slug(session, slug) if SLUG_RE.fullmatch(slug) else None
    return row if row is not None and row.level is CommunityLevel.COMMUNITY else None


async def check_new_community(
    session: AsyncSession,
    settings: Settings,
    *,
    name: str,
    slug: str,
    level: CommunityLevel,
    parent_slug: str | None,
    **community_settings: object,
) -> None:
    """`CommunityRefused` with the reason, before `add_community` (which only says no)."""
    _check_name(name)
    if not SLUG_RE.fullmatch(slug):
        raise CommunityRefused(
            f"--slug {slug!r}: use lower-case letters, digits, - and _ (at most 32), "
            "starting with a letter or a digit"
        )
    if await queries.by_slug(session, slug) is not None:
        raise CommunityRefused(f"--slug {slug!r}: there is already a community with this slug")
    if level is CommunityLevel.COMMUNITY:
        await _check_unique_name(session, name, None)
    if parent_slug is not None:
        await _parent(session, level, parent_slug)
    await _check_settings(session, settings, None, community_settings)


async def set_community(
    session: AsyncSession,
    settings: Settings,
    slug: str,
    *,
    name: str | None = None,
    parent_slug: str | None = None,
    **changes: object,
) -> Community:
    """Rename a community (street, district), move it under another parent (`parent_slug`
    "": to the top), or change its settings (a value "" or None: inherited again). Its
    people then live on its timezone as it now applies. `CommunityRefused` says what is
    wrong; nothing is changed then."""
    row = await queries.by_slug(session, slug)
    if row is None:
        raise CommunityRefused(f"no community has the slug {slug!r} (see: linli community list)")
    unknown = set(changes) - set(SETTING_FIELDS)
    if unknown:
        raise CommunityRefused(f"unknown settings: {', '.join(sorted(unknown))}")
    if name is not None:
        _check_name(name)
        if row.level is CommunityLevel.COMMUNITY:
            await _check_unique_name(session, name, row.id)
    parent: Community | None = None
    if parent_slug:
        parent = await _parent(session, row.level, parent_slug)
        if parent.id == row.id:
            raise CommunityRefused("--parent: a community cannot be its own parent")
    values = {key: (None if value in ("", None) else value) for key, value in changes.items()}
    await _check_settings(session, settings, row.id, values)
    try:
        async with session.begin_nested():  # a refused currency undoes it all
            if name is not None:
                row.name = " ".join(name.split())
            if parent_slug is not None:
                row.parent_id = parent.id if parent is not None else None
            for key, value in values.items():
                setattr(row, key, value)
            await session.flush()
            forget_tree(session)
            communities = await tree(session, settings)
            if "currency" in values or parent_slug is not None:
                await _check_fund_currency(session, communities, row.id)
    finally:
        forget_tree(session)
    communities = await tree(session, settings)
    for node in await queries.all_communities(session):  # the node and all below it
        if row.id in communities.lineage(node.id):
            timezone = communities.settings(node.id).timezone
            await queries.set_members_timezone(session, node.id, timezone)
    return row


async def _check_fund_currency(
    session: AsyncSession, communities: CommunityTree, node: int
) -> None:
    """A fund keeps its book in one currency: amounts recorded in CNY never become HKD (by a
    currency set, or by a move under a street of another currency)."""
    for community_id, currency in await ledger_queries.fund_currencies(
        session, communities.below(node)
    ):
        if currency != communities.currency(community_id):
            raise CommunityRefused(
                f"--currency: the fund of {communities.name(community_id)} already keeps its "
                f"book in {currency}"
            )


def _check_name(name: str) -> None:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > NAME_MAX:
        raise CommunityRefused(f"the name must have 1 to {NAME_MAX} characters")


async def _check_unique_name(session: AsyncSession, name: str, own_id: int | None) -> None:
    """People tell communities apart by name when they register: no two alike."""
    cleaned = " ".join(name.split()).casefold()
    for other in await queries.to_live_in(session):
        if other.id != own_id and other.name.casefold() == cleaned:
            raise CommunityRefused(f"another community ({other.slug}) already has this name")


async def _parent(session: AsyncSession, level: CommunityLevel, parent_slug: str) -> Community:
    parent = await queries.by_slug(session, parent_slug)
    if parent is None:
        raise CommunityRefused(f"--parent: no community has the slug {parent_slug!r}")
    allowed = _PARENT_LEVELS[level]
    if parent.level not in allowed:
        above = " or ".join(str(choice) for choice in allowed) or "nothing (it is the top)"
        raise CommunityRefused(
            f"--parent {parent_slug!r} is a {parent.level}; a {level} goes under {above}"
        )
    return parent


async def _check_settings(
    session: AsyncSession, settings: Settings, own_id: int | None, values: dict[str, object]
) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if values.get("timezone"):
        try:
            ZoneInfo(str(values["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise CommunityRefused(
                f"--timezone {values['timezone']!r} is not an IANA timezone such as Asia/Shanghai"
            ) from None
    if values.get("quiet_hours"):
        try:
            QuietHours.parse(str(values["quiet_hours"]))
        except ValueError as error:
            raise CommunityRefused(f"--quiet-hours: {error}") from None
    if values.get("emergency_numbers"):
        try:
            parse_emergency_numbers(str(values["emergency_numbers"]))
        except ValueError as error:
            raise CommunityRefused(f"--emergency-numbers: {error}") from None
    if values.get("currency") and not CURRENCY_RE.fullmatch(str(values["currency"])):
        raise CommunityRefused(
            f"--currency {values['currency']!r}: an ISO 4217 code in capitals, such as CNY or HKD"
        )
    if values.get("phone") and len(str(values["phone"])) > PHONE_MAX:
        raise CommunityRefused(f"--phone: at most {PHONE_MAX} characters")
    if values.get("pickup_point") and len(str(values["pickup_point"])) > PICKUP_POINT_MAX:
        raise CommunityRefused(f"--pickup-point: at most {PICKUP_POINT_MAX} characters")
    for field, option in (
        ("coordinator_chat_id", "--coordinator-chat"),
        ("volunteer_chat_id", "--volunteer-chat"),
    ):
        chat = values.get(field)
        if chat is None:
            continue
        if not isinstance(chat, int) or chat == 0:
            raise CommunityRefused(f"{option}: a group's id is a number such as -1001234567890")
        owner = await queries.with_chat(session, chat)
        if owner is not None and owner.id != own_id:
            raise CommunityRefused(f"{option} {chat} is already the group of {owner.slug}")
        if own_id != FIRST_COMMUNITY_ID and chat in (
            settings.coordinator_chat_id,
            settings.volunteer_chat_id,
        ):
            raise CommunityRefused(
                f"{option} {chat} is the first community's group (COORDINATOR_CHAT_ID or "
                "VOLUNTEER_CHAT_ID)"
            )
