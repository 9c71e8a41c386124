"""`linli community add|list|set`: the communities of a deployment, the streets and districts
above them, and their settings, from the command line (there is no chat command for this: it
is the deployer's, like the first invitation)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services.communities import CommunityRefused
from storage.models import Community, CommunityLevel

EXIT_REFUSED = 1
SETTING_OPTIONS = (
    ("--timezone", "timezone", "IANA timezone, e.g. Asia/Shanghai (DEFAULT_TIMEZONE)"),
    ("--quiet-hours", "quiet_hours", "e.g. 22:00-07:00, or off (QUIET_HOURS)"),
    ("--emergency-numbers", "emergency_numbers", "e.g. 120=ambulance,119=fire (EMERGENCY_NUMBERS)"),
    ("--phone", "phone", "the community office's phone (COMMUNITY_PHONE)"),
    ("--coordinator-chat", "coordinator_chat_id", "coordinators' group id (COORDINATOR_CHAT_ID)"),
    ("--volunteer-chat", "volunteer_chat_id", "the volunteers' group id (VOLUNTEER_CHAT_ID)"),
    ("--currency", "currency", "the fund's money, an ISO 4217 code such as CNY or HKD (CNY)"),
    ("--pickup-point", "pickup_point", "where donors may leave a wish's gift (WISH_PICKUP_POINT)"),
)
CHAT_FIELDS = ("coordinator_chat_id", "volunteer_chat_id")
LEVEL_WORDS = {
    CommunityLevel.DISTRICT: "district",
    CommunityLevel.STREET: "street",
    CommunityLevel.COMMUNITY: "community",
}


def add_parser(commands: Any) -> None:
    """The `community` command and its tasks, on the `linli` parser."""
    community = commands.add_parser(
        "community",
        help="the communities, streets and districts of this bot, and their settings",
        description="A setting left out is inherited: from the street, then the district, "
        "then the environment (see README, 'Many communities').",
    )
    tasks = community.add_subparsers(dest="community_command", required=True, metavar="TASK")
    add = tasks.add_parser("add", help="add a community, a street or a district")
    add.add_argument("name", help="the name people read, e.g. 幸福里社区")
    add.add_argument("--slug", required=True, help="short id for links, e.g. xingfuli")
    add.add_argument(
        "--level", choices=[level.value for level in CommunityLevel], default="community"
    )
    add.add_argument("--parent", metavar="SLUG", help="the street or district it belongs to")
    _setting_arguments(add)
    tasks.add_parser("list", help="the tree, with each community's join link")
    change = tasks.add_parser(
        "set", help="rename, move under another street or district, or change settings"
    )
    change.add_argument("slug")
    change.add_argument("--name")
    change.add_argument("--parent", metavar="SLUG", help="'' puts it at the top")
    _setting_arguments(change, clearing=True)


def _setting_arguments(parser: argparse.ArgumentParser, *, clearing: bool = False) -> None:
    for option, field, text in SETTING_OPTIONS:
        shown = text + ("; '' inherits it again" if clearing else "")
        parser.add_argument(option, dest=field, default=None, help=shown)


def run(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    try:
        asyncio.run(_run(settings, args))
    except CommunityRefused as refused:
        print(f"linli: {refused.reason}", file=sys.stderr)
        return EXIT_REFUSED
    return 0


def settings_given(args: argparse.Namespace) -> dict[str, object]:
    """The settings given on the command line (a chat id as a number; '' kept: inherit)."""
    given: dict[str, object] = {}
    for _option, field, _text in SETTING_OPTIONS:
        value = getattr(args, field, None)
        if value is None:
            continue
        value = value.strip()
        if field == "currency":
            value = value.upper()
        if field in CHAT_FIELDS and value:
            try:
                value = int(value)
            except ValueError:
                option = next(o for o, f, _t in SETTING_OPTIONS if f == field)
                raise CommunityRefused(
                    f"{option}: a group's id is a number such as -1001234567890"
                ) from None
        given[field] = value
    return given


async def _run(settings: Settings, args: argparse.Namespace) -> None:
    from storage.db import create_engine, create_session_factory
    from storage.migrate import upgrade_database

    engine = create_engine(settings.resolved_database_url)
    try:
        await upgrade_database(engine)
        async with create_session_factory(engine)() as session:
            if args.community_command == "add":
                await _add(session, settings, args)
            elif args.community_command == "set":
                await _set(session, settings, args)
            await session.commit()
            print("\n".join(await tree_lines(session, settings)))
    finally:
        await engine.dispose()


async def _add(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> None:
    from bot.clock import SystemClock
    from bot.services.communities import add_community, check_new_community

    level = CommunityLevel(args.level)
    given = {key: value for key, value in settings_given(args).items() if value != ""}
    await check_new_community(
        session,
        settings,
        name=args.name,
        slug=args.slug,
        level=level,
        parent_slug=args.parent or None,
        **given,
    )
    row = await add_community(
        session,
        name=args.name,
        slug=args.slug,
        level=level,
        parent_slug=args.parent or None,
        clock=SystemClock(),
        **given,
    )
    print(f"added {LEVEL_WORDS[row.level]} {row.name} ({row.slug})")


async def _set(session: AsyncSession, settings: Settings, args: argparse.Namespace) -> None:
    from bot.services.communities import set_community

    row = await set_community(
        session,
        settings,
        args.slug,
        name=args.name,
        parent_slug=args.parent.strip() if args.parent is not None else None,
        **settings_given(args),
    )
    print(f"changed {LEVEL_WORDS[row.level]} {row.name} ({row.slug})")


async def tree_lines(session: AsyncSession, settings: Settings) -> list[str]:
    """The tree, each node indented under its parent, with its own settings (the others are
    inherited) and, for a community, its join link."""
    from bot.services.communities import join_link
    from storage.repositories import communities as queries

    rows = await queries.all_communities(session)
    children: dict[int | None, list[Community]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    username = settings.bot_username.lstrip("@") if settings.bot_username else None
    lines: list[str] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: (r.name, r.id)):
            indent = "  " * depth
            lines.append(f"{indent}{row.name}  [{LEVEL_WORDS[row.level]}, slug {row.slug}]")
            own = [f"{field}={getattr(row, field)}" for _o, field, _t in SETTING_OPTIONS]
            own = [item for item in own if not item.endswith("=None")]
            if own:
                lines.append(f"{indent}  settings: {', '.join(own)}")
            if row.level is CommunityLevel.COMMUNITY:
                link = join_link(username or "<your_bot>", row.slug)
                lines.append(f"{indent}  join link: {link}")
            walk(row.id, depth + 1)

    walk(None, 0)
    if username is None:
        lines.append("(set BOT_USERNAME to print the exact join links)")
    return lines
