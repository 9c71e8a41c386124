"""The demo page in a real browser (Debian's Chromium, headless, driven by Playwright).

The resident registers by tapping buttons on the page, as a person would; the test reads the
chat from the screen. Skipped, with the reason printed, where /usr/bin/chromium or the
playwright package is missing. A screenshot is saved when a step fails.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.config import load_settings
from bot.demo.personas import COORDINATORS_GROUP_ID, RESIDENT, VOLUNTEER
from bot.demo.runner import DemoRunner

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

CHROMIUM = Path("/usr/bin/chromium")
STEP_TIMEOUT_MS = 20_000


def browser_unavailable() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install -e '.[test]')"
    return None


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[DemoRunner]:
    runner = DemoRunner(load_settings(_env_file=None, data_dir=tmp_path / "data"))
    await runner.start(port=0)
    yield runner
    await runner.stop()


@pytest.fixture
async def page(demo: DemoRunner, tmp_path: Path) -> AsyncIterator[Page]:
    reason = browser_unavailable()
    if reason:
        print(f"browser test skipped: {reason}")
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = await browser.new_context(viewport={"width": 1500, "height": 900})
        opened = await context.new_page()
        opened.set_default_timeout(STEP_TIMEOUT_MS)
        errors: list[str] = []
        opened.on("pageerror", lambda error: errors.append(str(error)))
        assert demo.api.base_url is not None
        await opened.goto(demo.api.base_url + "/")
        await opened.wait_for_selector("body[data-ready='true']")
        try:
            yield opened
            assert errors == [], f"JavaScript errors on the page: {errors}"
        except BaseException:
            shot = tmp_path / "demo-page-failure.png"
            await opened.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failing page: {shot}")
            raise
        finally:
            await browser.close()


def phone(page: Page, chat_id: int) -> Locator:
    return page.locator(f'section.phone[data-chat-id="{chat_id}"]')


async def type_and_send(chat: Locator, text: str) -> None:
    await chat.locator("input.text").fill(text)
    await chat.locator("button.send").click()


async def test_resident_registers_by_tapping_and_sees_the_menu(page: Page) -> None:
    from playwright.async_api import expect

    resident = phone(page, RESIDENT.telegram_id)
    await expect(resident.locator(".name")).to_have_text(RESIDENT.name)
    await expect(resident.locator(".role")).to_contain_text("Resident")
    await expect(phone(page, COORDINATORS_GROUP_ID)).to_be_visible()
    await expect(phone(page, VOLUNTEER.telegram_id)).to_be_visible()

    await type_and_send(resident, "/start")
    await resident.locator(".inline-kb button", has_text="我需要帮助").click()
    await resident.locator(".inline-kb button", has_text="我同意").click()
    await resident.locator(".reply-keyboard button", has_text=RESIDENT.name).click()
    await resident.locator(".reply-keyboard button", has_text="跳过").click()
    await expect(resident.locator(".msg.bot").last).to_contain_text("楼")  # which building?
    await type_and_send(resident, "3号楼 2单元 401")

    await expect(resident.locator(".msg.bot", has_text="登记成功")).to_have_count(1)
    await expect(resident.locator(".reply-keyboard button").first).to_be_visible()
    assert await resident.locator(".reply-keyboard button").count() >= 3  # the menu
    texts = await resident.locator(".msg.me .body").all_inner_texts()
    assert texts[0] == "/start" and texts[-1] == "3号楼 2单元 401"


async def test_toolbar_language_clock_and_safe_html(page: Page) -> None:
    from playwright.async_api import expect

    await page.select_option("#page-language", "zh_Hant")
    await expect(phone(page, RESIDENT.telegram_id).locator("button.send")).to_have_text("傳送")
    await expect(page.locator("#controls button[data-control='reset']")).to_have_text("重設示範")

    await page.locator("#controls button[data-control='plus_hour']").click()
    await expect(page.locator("#status")).to_contain_text("(+1h)")

    kept: Any = await page.evaluate(
        """linliSanitize('<b>bold</b><script>alert(1)</script>'
        + '<a href="javascript:alert(2)">x</a><img src=x onerror="alert(3)">'
        + '<a href="https://example.org">y</a><tg-spoiler>z</tg-spoiler>')"""
    )
    assert kept == (
        '<b>bold</b><a>x</a><a href="https://example.org" target="_blank" '
        'rel="noopener noreferrer">y</a><span class="spoiler">z</span>'
    )


async def bot_call(demo: DemoRunner, method: str, **params: Any) -> Any:
    """Call the Bot API as the bot does (the test plays the bot's side here)."""
    import aiohttp

    url = f"{demo.api.base_url}/bot{demo.api.token}/{method}"
    async with aiohttp.ClientSession() as http, http.post(url, json=params) as response:
        body = await response.json()
    assert body["ok"], body
    return body["result"]


async def test_bot_messages_render_edit_and_disappear(page: Page, demo: DemoRunner) -> None:
    from playwright.async_api import expect

    volunteer = phone(page, VOLUNTEER.telegram_id)
    sent = await bot_call(
        demo,
        "sendMessage",
        chat_id=VOLUNTEER.telegram_id,
        text="<b>Task</b> for <i>you</i> &lt;3 <a href='https://example.org'>map</a>",
        parse_mode="HTML",
        reply_markup={"inline_keyboard": [[{"text": "Claim", "callback_data": "x"}]]},
    )
    bubble = volunteer.locator(f'.msg[data-message-id="{sent["message_id"]}"]')
    await expect(bubble.locator(".body b")).to_have_text("Task")
    await expect(bubble.locator(".body i")).to_have_text("you")
    await expect(bubble.locator(".body a")).to_have_attribute("href", "https://example.org")
    await expect(bubble.locator(".body")).to_contain_text("<3")
    await expect(bubble.locator(".inline-kb button")).to_have_text("Claim")

    await bot_call(
        demo,
        "editMessageText",
        chat_id=VOLUNTEER.telegram_id,
        message_id=sent["message_id"],
        text="Taken by someone else",
    )
    await expect(bubble.locator(".body")).to_have_text("Taken by someone else")
    await expect(bubble.locator(".meta")).to_contain_text("edited")
    await expect(bubble.locator(".inline-kb")).to_have_count(0)

    await bot_call(
        demo, "deleteMessage", chat_id=VOLUNTEER.telegram_id, message_id=sent["message_id"]
    )
    await expect(bubble).to_have_count(0)

    await volunteer.locator("button.photo").click()
    await expect(volunteer.locator(".msg.me .media.photo")).to_contain_text("640×480")
    await volunteer.locator("button.sticker").click()
    await expect(volunteer.locator(".msg.me .media.sticker")).to_have_text("👍")

    # what a callback answer looks like: a toast, or an alert for show_alert
    answer = {"type": "callback_answer", "chat_id": VOLUNTEER.telegram_id, "show_alert": False}
    await page.evaluate("event => handleEvent(event)", {**answer, "text": "Saved"})
    await expect(volunteer.locator(".toast")).to_have_text("Saved")
    await page.evaluate(
        "event => handleEvent(event)", {**answer, "text": "Too late", "show_alert": True}
    )
    await expect(page.locator("#alert .alert-text")).to_have_text("Too late")
    await page.locator("#alert .alert-ok").click()
    await expect(page.locator("#alert")).to_be_hidden()
