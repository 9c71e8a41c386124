"""The `linli` command: run the bot, try it in a demo, migrate the database, create invitations."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from bot.services.errors import InvalidInput
from storage.models import UserRole

logger = logging.getLogger("linli.cli")

EXIT_CONFIG = 2
EXIT_REFUSED = 1
STARTUP_CHECK_SECONDS = 10.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linli",
        description="linli (邻里): a Telegram bot for neighbourhood mutual aid. "
        "Settings come from the environment or a .env file (see README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="run the bot (long polling); migrates the database first")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook at WEBHOOK_URL, listening on WEBHOOK_LISTEN "
        "(with WEBHOOK_SECRET) instead of long polling",
    )
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="with --webhook: N processes sharing the work (needs PostgreSQL and REDIS_URL)",
    )
    run.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)

    demo = commands.add_parser(
        "demo",
        help="try linli without Telegram: a local chat page for several people at once",
        description="Start a local copy of Telegram with a chat page on 127.0.0.1 and the real "
        "bot on a separate demo database (<DATA_DIR>/demo/). No bot token needed.",
    )
    demo.add_argument(
        "--port", type=int, default=8080, help="port of the page (a free one if taken)"
    )
    demo.add_argument(
        "--fresh", action="store_true", help="start from a new demo community (deletes the old)"
    )

    db = commands.add_parser("db", help="database tasks")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="TASK")
    db_commands.add_parser("upgrade", help="apply all database migrations")

    admin = commands.add_parser("admin", help="administration")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True, metavar="TASK")
    invite = admin_commands.add_parser(
        "create-invite", help="print a one-time link that gives a Telegram account a role"
    )
    invite.add_argument(
        "--role",
        choices=[UserRole.COORDINATOR.value, UserRole.VOLUNTEER.value],
        default=UserRole.COORDINATOR.value,
    )
    invite.add_argument(
        "--valid-hours", type=int, default=None, help="hours until it expires (INVITE_TTL_HOURS)"
    )
    invite.add_argument(
        "--community",
        metavar="SLUG",
        default=None,
        help="where the role applies: a community, or a street or district for a coordinator "
        "(default: the first community)",
    )

    from bot.community_cli import add_parser as add_community_parser

    add_community_parser(commands)

    # linli backup / restore (bot/backup.py)
    backup = commands.add_parser(
        "backup", help="copy the whole database into one file; safe while the bot runs"
    )
    backup.add_argument("path", type=Path, help="the backup file to write (replaced if it exists)")
    restore = commands.add_parser(
        "restore",
        help="replace the database with a backup file, then migrate it; stop the bot first",
    )
    restore.add_argument("path", type=Path, help="a file made by `linli backup`")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    return parser


async def check_telegram(settings: Settings) -> None:
    """Ask Telegram who the bot is, once, before anything else starts: a wrong token or an API
    URL that does not answer is a `ConfigError` naming the setting, not a polling loop that
    logs the same failure forever."""
    from aiogram.exceptions import (
        ClientDecodeError,
        TelegramAPIError,
        TelegramNetworkError,
        TelegramNotFound,
        TelegramUnauthorizedError,
    )

    from bot.app import create_bot

    url = settings.telegram_api_url
    bot = create_bot(settings)
    try:
        await asyncio.wait_for(
            bot.get_me(request_timeout=int(STARTUP_CHECK_SECONDS)), STARTUP_CHECK_SECONDS
        )
    except TelegramUnauthorizedError:
        raise ConfigError(
            f"BOT_TOKEN: {url} does not accept this token (401 Unauthorized); "
            "copy it again from @BotFather"
        ) from None
    except TelegramNotFound:
        raise ConfigError(f"TELEGRAM_API_URL: {url} is not a Bot API server (404)") from None
    except (TelegramNetworkError, TimeoutError, OSError) as error:
        raise ConfigError(
            f"TELEGRAM_API_URL: cannot reach {url} within {STARTUP_CHECK_SECONDS:g}s "
            f"({type(error).__name__})"
        ) from None
    except (TelegramAPIError, ClientDecodeError) as error:
        raise ConfigError(
            f"TELEGRAM_API_URL: {url} did not answer getMe like a Bot API server "
            f"({type(error).__name__})"
        ) from None
    finally:
        await bot.session.close()


async def _run(
    settings: Settings,
    webhook: bool = False,
    worker: int | None = None,
) -> None:
    from bot.app import build_application

    settings.token()  # fail before touching the database
    await check_telegram(settings)
    application = await build_application(settings)
    from storage.migrate import current_revision

    logger.info(
        "starting database=%s revision=%s",
        application.engine.url.get_backend_name(),
        await current_revision(application.engine),
    )
    try:
        if webhook:
            from bot.webhook import run_webhook

            await run_webhook(application, worker=worker)
        else:
            await application.run_polling()
    finally:
        await application.close()


async def _prepare_workers(settings: Settings) -> None:
    """Once, before the workers start: Telegram answers, the database is migrated, and the bot
    is imported, so that each worker forked from here has it already."""
    import bot.app
    import bot.webhook  # noqa: F401
    from storage.db import create_engine
    from storage.migrate import upgrade_database

    await check_telegram(settings)
    engine = create_engine(settings.resolved_database_url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()


def _run_worker(worker: int) -> int:
    """One worker of `--workers N`, in a process forked from the first: its settings read
    again, with its share of the database connections."""
    asyncio.run(_run(load_settings(), webhook=True, worker=worker))
    return 0


async def _db_upgrade(settings: Settings) -> None:
    from storage.db import create_engine
    from storage.migrate import current_revision, upgrade_database

    engine = create_engine(settings.resolved_database_url)
    try:
        await upgrade_database(engine)
        print(f"database is at revision {await current_revision(engine)}")
    finally:
        await engine.dispose()


async def _bot_username(settings: Settings) -> str | None:
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    if settings.bot_token is None:
        return None
    from aiogram.exceptions import TelegramAPIError

    from bot.app import create_bot

    bot = create_bot(settings)
    try:
        me = await asyncio.wait_for(bot.get_me(), timeout=15)
        return me.username
    except (TelegramAPIError, TimeoutError) as error:  # the code is still useful
        logger.warning("could not ask Telegram for the bot's name: %s", type(error).__name__)
        return None
    finally:
        await bot.session.close()


async def _create_invite(
    settings: Settings, role: str, valid_hours: int | None, community_slug: str | None
) -> None:
    from bot.clock import SystemClock
    from bot.services.communities import FIRST_COMMUNITY_ID, CommunityRefused
    from bot.services.invites import create_invite, deep_link
    from storage.db import create_engine, create_session_factory
    from storage.migrate import upgrade_database
    from storage.models import CommunityLevel
    from storage.repositories import communities as community_queries

    engine = create_engine(settings.resolved_database_url)
    try:
        await upgrade_database(engine)
        async with create_session_factory(engine)() as session:
            if community_slug is None:
                community = await community_queries.by_id(session, FIRST_COMMUNITY_ID)
            else:
                community = await community_queries.by_slug(session, community_slug)
            if community is None:
                raise CommunityRefused(
                    f"--community: no community has the slug {community_slug!r} "
                    "(see: linli community list)"
                )
            if role != UserRole.COORDINATOR.value and community.level != CommunityLevel.COMMUNITY:
                raise CommunityRefused(
                    f"--community {community.slug!r} is a {community.level}: a volunteer "
                    "belongs to a community"
                )
            issued = await create_invite(
                session,
                role=UserRole(role),
                ttl=timedelta(hours=valid_hours or settings.invite_ttl_hours),
                clock=SystemClock(),
                community_id=community.id,
            )
            await session.commit()
            where = f"{community.name} ({community.slug}, {community.level})"
    finally:
        await engine.dispose()
    username = await _bot_username(settings)
    print(f"role:    {issued.role.value}")
    print(f"in:      {where}")
    print(f"code:    {issued.code}")
    print(f"expires: {issued.expires_at.isoformat(timespec='minutes')}")
    if username:
        print(f"link:    {deep_link(username, issued.code)}")
    else:
        print(f"link:    https://t.me/<your_bot>?start={issued.code}")
        print("         (set BOT_TOKEN or BOT_USERNAME to print the exact link)")
    print("Send the link to that person; it works once. Or they send: /start " + issued.code)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "run":
            settings.token()
            if args.webhook:
                settings.webhook()
            from bot.workers import check_workers

            check_workers(settings, args.workers, args.webhook)
    except ConfigError as error:
        print(f"linli: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(settings.log_level, settings.log_format)
    try:
        if args.command == "run":
            if args.workers > 1:
                from bot.workers import run_workers

                asyncio.run(_prepare_workers(settings))
                return run_workers(settings, args.workers, _run_worker)
            asyncio.run(_run(settings, webhook=args.webhook, worker=args.worker))
        elif args.command == "demo":
            from bot.demo.runner import run_demo

            return run_demo(settings, args.port, fresh=args.fresh)
        elif args.command == "db":
            asyncio.run(_db_upgrade(settings))
        elif args.command == "admin":
            if args.valid_hours is not None and args.valid_hours < 1:
                print("linli: --valid-hours must be at least 1", file=sys.stderr)
                return EXIT_CONFIG
            asyncio.run(_create_invite(settings, args.role, args.valid_hours, args.community))
        elif args.command == "community":
            from bot.community_cli import run as run_community

            return run_community(settings, args)
        elif args.command in ("backup", "restore"):
            from bot.backup import run_command

            force = getattr(args, "force", False)
            token = settings.bot_token.get_secret_value().strip() if settings.bot_token else ""
            bot_id = token.split(":", 1)[0]
            return run_command(
                settings.resolved_database_url,
                args.command,
                args.path,
                force=force,
                redis_url=settings.redis_url,
                bot_id=int(bot_id) if bot_id.isdigit() else None,
            )
    except ConfigError as error:  # found at start-up, e.g. a token Telegram does not accept
        print(f"linli: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except InvalidInput as refused:  # a community's name, slug or setting, in one line
        print(f"linli: {refused}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
