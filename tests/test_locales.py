"""Every user-visible string exists in every language, with the same placeholders and markup."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.config import LOCALES
from bot.i18n import create_i18n, locale_from_telegram
from locales import LOCALES_DIR

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "__": None, "gettext": None, "button_text": None}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?[a-z]+>")


def _source_strings() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _catalogue(locale: str) -> dict[str, str]:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_source_string_is_translated(locale: str) -> None:
    catalogue = _catalogue(locale)
    missing = sorted(s for s in _source_strings() if not catalogue.get(s))
    assert not missing, f"{len(missing)} strings untranslated in {locale} (run scripts/i18n):\n" + (
        "\n".join(missing[:20])
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_placeholders_and_tags(locale: str) -> None:
    for msgid, msgstr in _catalogue(locale).items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
        assert TAG.findall(msgid) == TAG.findall(msgstr), msgid


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_chinese_catalogues_contain_no_english_words(locale: str) -> None:
    """A person who reads only Chinese must not meet an English word (commands aside)."""
    allowed = {"linli"}
    for msgid, msgstr in _catalogue(locale).items():
        without_commands = re.sub(r"/[a-z]+|<[^>]+>|\{[a-z_]+(:[^}]*)?\}", "", msgstr)
        words = set(re.findall(r"[A-Za-z]{2,}", without_commands)) - allowed
        assert not words, f"{msgid!r} -> {msgstr!r} has {words}"


COMMAND = re.compile(r"(?<![\w/])/[a-z]+")
"""A slash command as a person would read it ("/help", "send /cancel"), not a closing tag."""


@pytest.mark.parametrize("locale", LOCALES)
def test_no_command_reaches_a_reader(locale: str) -> None:
    """What the bot says names the buttons of the menu, never a command (the commands still
    work for those who type them). Read from the catalogues as the bot compiles them."""
    compiled = create_i18n("en").locales[locale]
    catalogue = compiled._catalog  # type: ignore[attr-defined]
    texts = [text for key, text in catalogue.items() if key and isinstance(text, str)]
    assert len(texts) > 500
    found = {}
    for text in texts:
        plain = re.sub(r"<[^>]+>|\{[a-z_]+(:[^}]*)?\}", "", text)
        if commands := COMMAND.findall(plain):
            found[text[:60]] = commands
    assert not found, found


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_compiled_chinese_has_no_english_word(locale: str) -> None:
    """No stray English word in what a Chinese reader gets; the bot's own name is the one word
    allowed."""
    allowed = {"linli"}
    compiled = create_i18n("en").locales[locale]
    for key, text in compiled._catalog.items():  # type: ignore[attr-defined]
        if not key or not isinstance(text, str):  # the header
            continue
        plain = re.sub(r"<[^>]+>|\{[a-z_]+(:[^}]*)?\}", "", text)
        words = set(re.findall(r"[A-Za-z]{2,}", plain)) - allowed
        assert not words, f"{text!r} has {words}"


def test_catalogues_compile_and_translate() -> None:
    i18n = create_i18n("en")
    assert set(i18n.available_locales) == set(LOCALES)
    assert i18n.gettext("❓ Help", locale="zh_Hans") == "❓ 帮助"
    assert i18n.gettext("❓ Help", locale="zh_Hant") == "❓ 幫助"


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("zh-hans", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-hant", "zh_Hant"),
        ("zh-TW", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("fr", None),
        (None, None),
    ],
)
def test_telegram_language_codes_map_to_our_locales(
    language_code: str | None, expected: str | None
) -> None:
    assert locale_from_telegram(language_code) == expected


def test_pot_template_is_up_to_date(tmp_path: Path) -> None:
    """The template that translators work from lists every string in the code."""
    pybabel = Path(sys.executable).with_name("pybabel")
    out = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "--no-location",
            "--sort-output",
            "--omit-header",
            *[f"-k{k}" for k in KEYWORDS],
            "-o",
            str(out),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with out.open("rb") as fresh, (LOCALES_DIR / "messages.pot").open("rb") as kept:
        assert {m.id for m in read_po(fresh)} == {m.id for m in read_po(kept)}
