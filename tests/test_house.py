"""The house keeps its shape: each rule in its room, views without side effects, the emulator
apart from the bot, modules a newcomer can read. These read the source, so they fail the
moment a change puts something in the wrong room."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 520  # "about 500": a module past this is split by sub-flow


def _modules(*folders: str) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        found += [
            path for path in sorted((ROOT / folder).rglob("*.py")) if "migrations" not in path.parts
        ]
    return found


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, as dotted names (`from a import b` gives a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_bot_never_imports_the_emulator() -> None:
    """The emulator is for the tests and the demo; a real deployment runs without it."""
    offenders = [
        _name(path)
        for path in _modules("bot", "handlers", "storage")
        if not _name(path).startswith(("bot/emulator/", "bot/demo/"))
        and any(name.startswith("bot.emulator") for name in _imports(path))
    ]
    assert offenders == []


def test_the_emulator_never_imports_the_bot() -> None:
    """A package of its own: it knows Telegram, not linli."""
    offenders = [
        _name(path)
        for path in _modules("bot/emulator")
        if any(
            name.startswith(("bot.", "handlers", "storage")) and not name.startswith("bot.emulator")
            for name in _imports(path)
        )
    ]
    assert offenders == []


FORBIDDEN_IN_VIEWS = (
    "sqlalchemy",
    "storage.repositories",
    "storage.db",
    "bot.delivery",
    "aiogram.Bot",
)


def test_views_neither_query_nor_send() -> None:
    """Words and keyboards only: plain functions from data to text and markup."""
    offenders = {
        _name(path): sorted(name for name in _imports(path) if name.startswith(FORBIDDEN_IN_VIEWS))
        for path in _modules("bot/views")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_services_and_storage_know_nothing_of_telegram() -> None:
    offenders = [
        _name(path)
        for path in _modules("bot/services", "bot/policy", "storage")
        if _name(path) != "storage/fsm.py"  # aiogram's conversation state, kept in our database
        and any(name.startswith(("aiogram", "handlers")) for name in _imports(path))
    ]
    assert offenders == []


def test_the_scheduler_and_the_policy_write_no_words() -> None:
    """When (scheduling) and who (policy) are decided apart from what is said (views)."""
    words = ("aiogram.utils.i18n.gettext", "aiogram.html")
    offenders = {
        _name(path): sorted(name for name in _imports(path) if name.startswith(words))
        for path in _modules("bot/scheduling", "bot/policy")
    }
    assert {name: found for name, found in offenders.items() if found} == {}


ROLE_CHECK = re.compile(r"\.role\s*(?:is not|is|==|!=|not in|in)\s*\(?\s*UserRole\.")


def test_roles_are_checked_only_by_the_permissions_module() -> None:
    """ "Is this person a coordinator" has one answer, in bot/policy/permissions.py."""
    offenders = [
        f"{_name(path)}:{number}"
        for path in _modules("bot", "handlers")
        if _name(path) != "bot/policy/permissions.py"
        and not _name(path).startswith(("bot/emulator/", "bot/demo/"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE_CHECK.search(line)
    ]
    assert offenders == []


HANDLER_SHORTCUTS = re.compile(r"session\.get\(|session\.commit\(|Notifier\(")


def test_handlers_neither_load_rows_nor_build_a_notifier() -> None:
    """Rows come from services, the notifier from the per-update context."""
    offenders = [
        f"{_name(path)}:{number}"
        for path in _modules("handlers")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if HANDLER_SHORTCUTS.search(line)
    ]
    assert offenders == []


def test_handlers_ask_services_not_repositories() -> None:
    """A query a handler made itself would skip the service's rule (its scope, its check)."""
    offenders = [
        _name(path)
        for path in _modules("handlers")
        if any(name.startswith("storage.repositories") for name in _imports(path))
    ]
    assert offenders == []


@pytest.mark.parametrize("folder", ["bot", "handlers", "storage"])
def test_no_module_is_too_long_to_read(folder: str) -> None:
    too_long = {
        _name(path): lines
        for path in _modules(folder)
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert too_long == {}


def test_each_common_answer_is_written_once() -> None:
    """The stale-button and not-yours answers come from handlers/replies.py, never retyped."""
    for words in ("This button is no longer active", "This button is not for you"):
        places = [_name(path) for path in _modules("bot", "handlers") if words in path.read_text()]
        assert places == ["handlers/replies.py"], words


def test_one_helper_puts_buttons_one_per_row() -> None:
    """bot/views/keyboards.one_per_row, not a local copy in each view."""
    copies = [
        _name(path)
        for path in _modules("bot/views", "handlers")
        if "[[button] for button in" in path.read_text()
    ]
    assert copies == ["bot/views/keyboards.py"]
