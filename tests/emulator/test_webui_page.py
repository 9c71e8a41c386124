"""The page itself: served with its files, its dictionary complete, bot HTML made safe."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aiohttp

from bot.demo.personas import PHONES
from bot.emulator import FakeBotAPI
from bot.emulator.render import entities_to_html, inline_keyboard_json
from bot.emulator.webui import WEB_DIR

LANGUAGES = ("en", "zh_Hans", "zh_Hant")


def load_strings() -> dict[str, dict[str, str]]:
    strings: dict[str, dict[str, str]] = json.loads((WEB_DIR / "strings.json").read_text())
    return strings


async def test_page_and_its_files_are_served(api: FakeBotAPI) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api.base_url}/") as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            page = await response.text()
        assert '<script src="/ui/app.js"' in page
        for name, kind in (
            ("app.js", "javascript"),
            ("app.css", "text/css"),
            ("strings.json", "json"),
        ):
            async with http.get(f"{api.base_url}/ui/{name}") as response:
                assert response.status == 200, name
                assert kind in response.content_type, (name, response.content_type)
        async with http.get(f"{api.base_url}/ui/../server.py") as response:
            assert response.status in (403, 404)


def test_every_dictionary_key_exists_in_every_language() -> None:
    strings = load_strings()
    assert set(strings) == set(LANGUAGES)
    keys = set(strings["en"])
    for language in LANGUAGES:
        assert set(strings[language]) == keys, (
            language,
            sorted(keys ^ set(strings[language])),
        )
        empty = [key for key, text in strings[language].items() if not text.strip()]
        assert not empty, (language, empty)
    for language in ("zh_Hans", "zh_Hant"):
        same = [k for k in keys if strings[language][k] == strings["en"][k] and k != "title"]
        assert not [k for k in same if re.search(r"[A-Za-z]{3,}", strings["en"][k])], same


def test_every_key_the_page_uses_is_in_the_dictionary() -> None:
    keys = set(load_strings()["en"])
    script = (WEB_DIR / "app.js").read_text()
    page = (WEB_DIR / "index.html").read_text()
    used = set(re.findall(r'\bt\("([a-z_.]+)"\)', script))
    used |= set(re.findall(r'data-i18n="([a-z_.]+)"', page))
    used |= {f"role.{p.role.value}" for p in PHONES} | {f"note.{p.note}" for p in PHONES}
    used |= {"role.coordinators", "plus_hour", "plus_day", "reset", "reset_confirm"}
    # buttons whose label key is their class name
    used |= set(re.findall(r'\["(\w+)", "[^"]+", \(\) => act', script))
    assert used - keys == set()
    assert {"voice", "photo", "sticker", "send"} <= used


def test_web_files_are_package_data() -> None:
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert '"emulator/web/*"' in pyproject


def test_entities_become_telegram_html_with_everything_else_escaped() -> None:
    text = "Hi <b> & bold italic link"
    entities = [
        {"type": "bold", "offset": 9, "length": 11},
        {"type": "italic", "offset": 14, "length": 6},
        {"type": "text_link", "offset": 21, "length": 4, "url": "https://example.org/?a=1&b=2"},
    ]
    assert entities_to_html(text, entities) == (
        'Hi &lt;b&gt; &amp; <b>bold <i>italic</i></b> <a href="https://example.org/?a=1&amp;b=2">'
        "link</a>"
    )


def test_unsafe_links_lose_their_tag_and_overlaps_stay_well_formed() -> None:
    assert (
        entities_to_html(
            "click", [{"type": "text_link", "offset": 0, "length": 5, "url": "javascript:x()"}]
        )
        == "click"
    )
    overlapping = [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 2, "length": 4},
    ]
    assert entities_to_html("abcdef", overlapping) == "<b>ab<i>cd</i></b><i>ef</i>"
    # offsets count UTF-16 units: the emoji is two
    assert (
        entities_to_html("👋 hi", [{"type": "code", "offset": 3, "length": 2}])
        == "👋 <code>hi</code>"
    )
    assert inline_keyboard_json(
        {"inline_keyboard": [[{"text": "x", "url": "javascript:alert(1)"}]]}
    ) == [[{"text": "x", "kind": "other"}]]
