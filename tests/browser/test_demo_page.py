"""The demo page in a real browser (Debian's Chromium, headless, driven by Playwright).

The people tap buttons and type on the page, as a person would, and the test reads each chat
from the screen: the resident registers and asks for help, the coordinator approves in the
coordinators' group, the volunteer claims in the volunteers' group, sets off and finishes, the
resident rates. Skipped, with the reason printed, where /usr/bin/chromium or the playwright
package is missing. A screenshot is saved when a step fails.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.config import load_settings
from bot.demo.personas import (
    COORDINATOR,
    COORDINATORS_GROUP_ID,
    RESIDENT,
    VOLUNTEER,
    VOLUNTEERS_GROUP_ID,
)
from bot.demo.runner import DemoRunner
from bot.demo.seed import OPEN_REQUEST, PENDING_REQUEST

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

CHROMIUM = Path("/usr/bin/chromium")
STEP_TIMEOUT_MS = 20_000
BUILDING = "3-5号楼"  # the place she taps when registering: volunteers may see it
ADDRESS = "3号楼 2单元 401"  # the exact address: only the claiming volunteer sees it
NEED = "帮我买一袋米和十个鸡蛋，谢谢"
NEED_IN_TRADITIONAL = "幫我買一袋米和十個雞蛋，謝謝"  # as the Traditional reader gets it (OpenCC)


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


@asynccontextmanager
async def opened_page(
    demo: DemoRunner, tmp_path: Path, *, width: int, height: int
) -> AsyncIterator[Page]:
    """The demo page in a headless Chromium window of `width` x `height`; a screenshot is
    saved when the test fails, and JavaScript errors on the page fail it."""
    reason = browser_unavailable()
    if reason:
        print(f"browser test skipped: {reason}")
        pytest.skip(reason)
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)  # the bot answers in steps: allow each time
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = await browser.new_context(viewport={"width": width, "height": height})
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


@pytest.fixture
async def page(demo: DemoRunner, tmp_path: Path) -> AsyncIterator[Page]:
    async with opened_page(demo, tmp_path, width=1600, height=950) as opened:
        yield opened


@pytest.fixture
async def laptop(demo: DemoRunner, tmp_path: Path) -> AsyncIterator[Page]:
    """A 1366x768 laptop screen, the one most community offices have."""
    async with opened_page(demo, tmp_path, width=1366, height=768) as opened:
        yield opened


def phone(page: Page, chat_id: int) -> Locator:
    return page.locator(f'section.phone[data-chat-id="{chat_id}"]')


async def type_and_send(chat: Locator, text: str) -> None:
    await chat.locator("input.text").fill(text)
    await chat.locator("button.send").click()


def exactly(label: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(label)}\s*$")


def bot_message(chat: Locator, *texts: str) -> Locator:
    """The bot's messages in `chat` showing every one of `texts`."""
    found = chat.locator(".msg.bot")
    for text in texts:
        found = found.filter(has_text=text)
    return found


async def pinned(chat: Locator, found: Locator) -> Locator:
    """The message `found` points at, by its id, so it stays found when its text is edited."""
    await found.last.wait_for()
    message_id = await found.last.get_attribute("data-message-id")
    return chat.locator(f'.msg[data-message-id="{message_id}"]')


async def tap(message: Locator, label: str) -> None:
    """Tap the inline button labelled exactly `label` under the (last such) message."""
    await message.last.locator(".inline-kb button", has_text=exactly(label)).click()


async def register_resident(resident: Locator) -> None:
    from playwright.async_api import expect

    await type_and_send(resident, "/start")
    await resident.locator(".inline-kb button", has_text="我需要帮助").click()
    await resident.locator(".inline-kb button", has_text="同意，称呼我").click()  # and her name
    await tap(bot_message(resident, "您住在哪个社区"), "🏘 幸福里社区")  # two share the bot
    await resident.locator(".reply-keyboard button", has_text="跳过").click()
    await tap(bot_message(resident, "楼"), "📍 " + BUILDING)  # which building? one tap
    await expect(bot_message(resident, "登记成功")).to_have_count(1)


async def test_resident_registers_by_tapping_and_sees_the_menu(page: Page) -> None:
    from playwright.async_api import expect

    resident = phone(page, RESIDENT.telegram_id)
    await expect(resident.locator(".name")).to_have_text(RESIDENT.name)
    await expect(resident.locator(".role")).to_contain_text("Resident")
    await expect(phone(page, COORDINATORS_GROUP_ID)).to_be_visible()
    await expect(phone(page, VOLUNTEER.telegram_id)).to_be_visible()
    await expect(phone(page, VOLUNTEERS_GROUP_ID).locator(".role")).to_have_text(
        "Volunteers' group"
    )

    await register_resident(resident)
    await expect(resident.locator(".reply-keyboard button").first).to_be_visible()
    assert await resident.locator(".reply-keyboard button").count() >= 3  # the menu
    texts = await resident.locator(".msg.me .body").all_inner_texts()
    assert texts == ["/start", "⏭ 跳过"]  # the rest was tapped


async def test_a_request_from_asking_to_rating_across_four_chats(page: Page) -> None:
    """Issue 6's scenario, each step read from the screen of the chat it happens in."""
    from playwright.async_api import expect

    resident = phone(page, RESIDENT.telegram_id)
    volunteer = phone(page, VOLUNTEER.telegram_id)
    coordinators = phone(page, COORDINATORS_GROUP_ID)
    volunteers = phone(page, VOLUNTEERS_GROUP_ID)

    # the demo community's waiting requests are already there on first start
    await expect(bot_message(coordinators, "新求助", PENDING_REQUEST.description)).to_be_visible()
    # the open one is posted to the volunteers: its kind and place, not what she typed
    await expect(bot_message(volunteers, "接下任务的志愿者才能看到")).to_be_visible()
    await expect(bot_message(volunteers, OPEN_REQUEST.description)).to_have_count(0)
    await expect(volunteers.locator("select.speaker")).to_have_value(str(VOLUNTEER.telegram_id))

    # the resident asks, tapping big buttons and typing what she needs
    await register_resident(resident)
    await resident.locator(".reply-keyboard button", has_text=exactly("🛒 买菜跑腿")).click()
    await expect(resident.locator(".msg.bot").last).to_contain_text("语音")  # words, voice, photo
    await type_and_send(resident, NEED)
    when = resident.locator(".msg.bot").last
    await expect(when.locator(".inline-kb button", has_text="⚡ 越快越好")).to_be_visible()
    await tap(when, "⚡ 越快越好")
    summary = resident.locator(".msg.bot").last
    await expect(summary).to_contain_text(BUILDING)  # her building stands for her address
    await tap(summary, "🏠 改地址")  # the door, given once and kept
    await expect(resident.locator(".msg.bot").last).to_contain_text("请输入地址")
    await type_and_send(resident, ADDRESS)
    summary = bot_message(resident, "请核对您的求助", ADDRESS).last
    await expect(summary).to_contain_text(NEED)
    await expect(summary).to_contain_text(ADDRESS)
    await tap(summary, "✅ 发送")
    thanks = bot_message(resident, "求助编号")
    await expect(thanks).to_be_visible()
    found = re.search(r"求助编号 (\d+)", await thanks.last.inner_text())
    assert found, await thanks.last.inner_text()
    ref = found.group(1)

    # the coordinator checks it in the coordinators' group and approves it
    card = await pinned(coordinators, bot_message(coordinators, "新求助", NEED))
    await expect(card).to_contain_text(ADDRESS)  # coordinators see the address
    await expect(card).to_contain_text(RESIDENT.name)
    await tap(card, "✅ 通过并发布")
    await expect(card).to_contain_text(f"✅ {COORDINATOR.name} 已批准")
    await expect(bot_message(resident, f"您的求助编号 {ref} 已核实")).to_be_visible()

    # it is posted to the volunteers' group without the address; the volunteer claims it there
    post = await pinned(volunteers, bot_message(volunteers, f"第 {ref} 号求助"))
    assert NEED not in await post.inner_text()
    await expect(post).to_contain_text(BUILDING)
    assert "401" not in await post.inner_text()
    await tap(post, "🙌 我来认领")
    await expect(post).to_contain_text("已有志愿者认领")
    await expect(post.locator(".inline-kb button")).to_have_count(0)

    # only now, privately, does the volunteer see the address (in their own language)
    task = await pinned(volunteer, bot_message(volunteer, "這個任務歸您了", NEED_IN_TRADITIONAL))
    await expect(task).to_contain_text(ADDRESS)
    await expect(bot_message(resident, "会来帮您处理", VOLUNTEER.name)).to_be_visible()
    await tap(task, "🚶 我出發了")
    await expect(bot_message(resident, "正在去您那里的路上")).to_be_visible()
    await expect(task.locator(".inline-kb button", has_text="✅ 已完成")).to_be_visible()
    await tap(task, "✅ 已完成")
    minutes = bot_message(volunteer, "一共用了多長時間")
    await tap(minutes, "1 小時")
    await expect(bot_message(volunteer, "1 小時", f"第 {ref} 號求助")).to_be_visible()

    # the resident rates the help
    rating = bot_message(resident, f"完成了第 {ref} 号求助")
    await tap(rating, "😄 5 · 非常好")
    await expect(bot_message(resident, f"您给求助编号 {ref} 打了")).to_be_visible()

    # the volunteers' group never showed the exact address
    for text in await volunteers.locator(".msg .body").all_inner_texts():
        assert "401" not in text, text


async def test_plus_one_hour_ticks_the_scheduler(page: Page) -> None:
    """Four "+1 hour" presses: the requests nobody took are flagged to the coordinators at
    once (UNCLAIMED_ALERT_MINUTES is 4 hours), not at the next periodic tick."""
    from playwright.async_api import expect

    coordinators = phone(page, COORDINATORS_GROUP_ID)
    await expect(bot_message(coordinators, "新求助")).to_have_count(1)
    flags = bot_message(coordinators, "⏰ 已等待")  # for review, or for a volunteer
    plus_hour = page.locator("#controls button[data-control='plus_hour']")
    for hours in (1, 2, 3):
        await plus_hour.click()
        await expect(page.locator("#status")).to_contain_text(f"(+{hours}h)")
    await expect(plus_hour).to_be_enabled()
    assert await flags.count() == 0

    await plus_hour.click()
    await expect(page.locator("#status")).to_contain_text("(+4h)")
    await expect(flags).to_have_count(2)
    await expect(flags.filter(has_text=PENDING_REQUEST.description)).to_have_count(1)
    await expect(flags.filter(has_text="还没有社区工作人员核实")).to_have_count(1)
    await expect(flags.filter(has_text=OPEN_REQUEST.description)).to_have_count(1)
    await expect(flags.first.locator(".inline-kb button").first).to_be_visible()


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


async def test_the_coordinator_asks_the_resident_from_the_group(page: Page) -> None:
    """The bot is a plain member of the group: it does not see the coordinator's chatter, and
    its prompt opens her reply field, so what she types next reaches it."""
    from playwright.async_api import expect

    coordinators = phone(page, COORDINATORS_GROUP_ID)
    card = await pinned(
        coordinators, bot_message(coordinators, "新求助", PENDING_REQUEST.description)
    )

    await type_and_send(coordinators, "大家早上好")
    chatter = coordinators.locator(".msg.user", has_text="大家早上好")
    await expect(chatter).to_contain_text("not seen by the bot")  # the page speaks English

    await tap(card, "❓ 向居民提问")  # the prompt is in the group's language, like its card
    await expect(bot_message(coordinators, "请输入您想问编号")).to_be_visible()
    await type_and_send(coordinators, "请问明天几点方便？")
    await expect(bot_message(coordinators, "已发给居民")).to_be_visible()
    question = coordinators.locator(".msg.user", has_text="请问明天几点方便")
    await expect(question.locator(".quote")).to_contain_text("请输入您想问编号")


NEWEST_IN_VIEW = """chatId => {
  const box = document.querySelector(`section.phone[data-chat-id="${chatId}"] .messages`);
  const last = box && box.lastElementChild;
  if (!last) return false;
  const inside = box.getBoundingClientRect();
  const bubble = last.getBoundingClientRect();
  return bubble.bottom <= inside.bottom + 2 && bubble.bottom > inside.top;
}"""


async def newest_in_view(page: Page, chat_id: int) -> None:
    """Wait until the newest message of the chat is on screen (it follows new messages)."""
    await page.wait_for_function(NEWEST_IN_VIEW, arg=chat_id, timeout=STEP_TIMEOUT_MS)


async def test_on_a_laptop_every_chat_fits_and_follows_its_newest_message(
    laptop: Page, demo: DemoRunner
) -> None:
    """1366x768: the five chats side by side without scrolling the page, the volunteer with
    his menu, a guide in the page's language, and after each answer the newest message of the
    chat in view; a reader who scrolled up stays where they are."""
    from playwright.async_api import expect

    page = laptop
    chats = [
        RESIDENT.telegram_id,
        VOLUNTEER.telegram_id,
        COORDINATOR.telegram_id,
        COORDINATORS_GROUP_ID,
        VOLUNTEERS_GROUP_ID,
    ]
    overflow: Any = await page.evaluate(
        """() => ({
        wide: document.documentElement.scrollWidth - window.innerWidth,
        tall: document.documentElement.scrollHeight - window.innerHeight,
        phones: [...document.querySelectorAll('section.phone')].map(phone => {
          const box = phone.getBoundingClientRect();
          const across = box.left >= 0 && box.right <= window.innerWidth;
          return across && box.bottom <= window.innerHeight;
        }),
      })"""
    )
    assert overflow["wide"] <= 0 and overflow["tall"] <= 0, overflow
    assert overflow["phones"] == [True] * len(chats), overflow

    volunteer = phone(page, VOLUNTEER.telegram_id)
    await expect(volunteer.locator(".reply-keyboard button").first).to_be_visible()  # his menu
    for chat_id in chats:
        await newest_in_view(page, chat_id)  # each chat opens at its latest message

    await page.locator("#guide summary").click()
    await expect(page.locator("#guide li").first).to_contain_text("/start")
    await page.select_option("#page-language", "zh_Hans")
    await expect(page.locator("#guide summary")).to_have_text("试试这些")
    await page.locator("#guide summary").click()

    resident = phone(page, RESIDENT.telegram_id)
    await type_and_send(resident, "/start")
    await newest_in_view(page, RESIDENT.telegram_id)
    await resident.locator(".inline-kb button", has_text="我需要帮助").click()
    await newest_in_view(page, RESIDENT.telegram_id)
    await resident.locator(".inline-kb button", has_text="同意，称呼我").click()
    await newest_in_view(page, RESIDENT.telegram_id)  # the box shrank for the keyboard

    # the coordinator scrolls up to read; a new message does not pull the chat down
    coordinators = phone(page, COORDINATORS_GROUP_ID).locator(".messages")
    await coordinators.evaluate(
        "box => { box.scrollTop = 0; box.dispatchEvent(new Event('scroll')); }"
    )
    before = await coordinators.locator(".msg").count()
    await bot_call(demo, "sendMessage", chat_id=COORDINATORS_GROUP_ID, text="a new notice")
    await expect(coordinators.locator(".msg")).to_have_count(before + 1)
    assert await coordinators.evaluate("box => box.scrollTop") == 0


async def test_message_times_follow_the_demo_clock(page: Page, demo: DemoRunner) -> None:
    """After "+1 day" a new message is dated by the demo clock, shown in the community's zone."""
    from playwright.async_api import expect

    await page.locator("#controls button[data-control='plus_day']").click()
    await expect(page.locator("#status")).to_contain_text("(+1d)")
    sent = await bot_call(demo, "sendMessage", chat_id=VOLUNTEER.telegram_id, text="tomorrow")
    demo_now = demo.time.clock.now().timestamp()
    assert abs(sent["date"] - demo_now) < 5  # dated by the demo clock, a day ahead
    bubble = phone(page, VOLUNTEER.telegram_id).locator(
        f'.msg[data-message-id="{sent["message_id"]}"]'
    )
    shown = await bubble.locator(".meta").inner_text()
    status = await page.locator("#status").inner_text()  # "... 2026-03-02 17:05 (+1d)"
    clock = re.search(r"(\d\d):(\d\d) \(", status)
    assert clock, status
    minutes = int(clock.group(1)) * 60 + int(clock.group(2))
    shown_at = re.search(r"(\d\d):(\d\d)", shown)
    assert shown_at, shown
    shown_minutes = int(shown_at.group(1)) * 60 + int(shown_at.group(2))
    assert min(abs(shown_minutes - minutes), 1440 - abs(shown_minutes - minutes)) <= 1
