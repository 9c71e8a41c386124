"""/poster, as a coordinator prints it for the lobby: an A4 PNG and PDF in large Chinese words
with the community's name, its phone and a QR code that opens its join link; one for a
building at a tap; a street's coordinator first chooses the community; residents are told
posters are made by coordinators."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pypdf
import pytest
from PIL import Image

from bot.clock import ManualClock
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.emulator.views import ChatMessage
from bot.services import communities
from storage.models import Community, CommunityLevel, UserRole
from tests.e2e.community import person, running_community, second_community
from tests.e2e.harness import RunningBot

LIN, SAM, MEI = 950, 951, 952
PHONE = "0755-2345 6789"
HEADLINE = "扫码加入邻里互助"
BOT = "linli_test_bot"  # the fake Telegram's bot


@pytest.fixture
async def community(
    telegram: FakeBotAPI, database_url: str, clock: ManualClock
) -> AsyncIterator[RunningBot]:
    async with running_community(telegram, database_url, clock, community_phone=PHONE) as running:
        yield running


def _decoded(png: bytes) -> list[str]:
    """What a phone's camera reads in the picture: zxing-cpp when installed, else segno's
    own matrix of the link compared by the caller."""
    zxingcpp = pytest.importorskip("zxingcpp")
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def _pdf_text(message: ChatMessage) -> str:
    assert message.document is not None and message.document["file_name"].endswith(".pdf")
    reader = pypdf.PdfReader(io.BytesIO(message.file_bytes or b""))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4, in points
    return reader.pages[0].extract_text()


async def _poster(user: ChatUser) -> tuple[ChatMessage, ChatMessage]:
    await user.wait_for_message(lambda m: m.document is not None)
    png = next(m for m in reversed(user.messages) if m.photo)
    pdf = next(m for m in reversed(user.messages) if m.document)
    return png, pdf


async def test_a_coordinator_prints_the_poster_and_one_for_a_building(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    await person(community, telegram, LIN, UserRole.COORDINATOR, name="Lin", area="Building 5")
    lin = telegram.user(LIN, "Lin", "en")
    link = f"https://t.me/{BOT}?start=c-main"

    await lin.send_command("/poster")
    png, pdf = await _poster(lin)
    assert "print it on A4" in png.text
    image = Image.open(io.BytesIO(png.file_bytes or b""))
    assert image.size == (1240, 1753)  # A4 at 150 dpi
    assert _decoded(png.file_bytes or b"") == [link]
    text = _pdf_text(pdf)
    assert "Community" in text and HEADLINE in text and PHONE in text and link in text
    await lin.wait_for_message(lambda m: "A poster for one building? Tap it." in m.text)

    await lin.tap("🏢 Building 5")
    png, pdf = await _poster(lin)
    assert "The poster for Building 5" in png.text
    assert _decoded(png.file_bytes or b"") == [link]
    assert "Building 5" in _pdf_text(pdf) and HEADLINE in _pdf_text(pdf)


async def test_a_streets_coordinator_chooses_the_community_and_a_resident_is_told_kindly(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    east = await second_community(community)
    async with community.app.session_factory() as session:
        street = await communities.add_community(
            session, name="North Street", slug="north", level=CommunityLevel.STREET,
            clock=community.clock,
        )  # fmt: skip
        for community_id in (communities.FIRST_COMMUNITY_ID, east):
            row = await session.get(Community, community_id)
            assert row is not None
            row.parent_id = street.id
        await session.commit()
        street_id = street.id
    await person(community, telegram, SAM, UserRole.COORDINATOR, name="Sam", community_id=street_id)
    await person(community, telegram, MEI, UserRole.RESIDENT, name="Mei")
    sam = telegram.user(SAM, "Sam", "zh-hant")

    await sam.send_command("/poster")
    await sam.wait_for_message(lambda m: "East Lane" in str(m.buttons))
    await sam.tap("East Lane")
    png, pdf = await _poster(sam)
    assert _decoded(png.file_bytes or b"") == [f"https://t.me/{BOT}?start=c-east"]
    assert "East Lane" in _pdf_text(pdf) and "掃碼加入鄰里互助" in _pdf_text(pdf)

    mei = telegram.user(MEI, "Mei", "en")
    await mei.send_command("/poster")
    await mei.wait_for_message(lambda m: "Posters are made by coordinators" in m.text)
    assert not any(m.photo or m.document for m in mei.messages)
