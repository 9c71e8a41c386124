"""Hours certificates (志愿服务时长证明): a volunteer with two finished tasks taps "📜 Certificate"
in "⏱ My hours", chooses the PDF (twice, quickly) and gets one file in her chat; a coordinator
of her community checks its code with /verify and reads her name and hours; a coordinator of
another community is told it is not found, as for a code that does not exist; a resident's
forged press and an unapproved volunteer's are answered kindly."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from PIL import Image
from sqlalchemy import select

from bot.callbacks import CertificateStep
from bot.emulator.server import FakeBotAPI
from bot.emulator.users import ChatUser
from bot.services import claims
from storage.models import AuditEvent, Certificate, User, UserRole
from tests.e2e.community import (
    open_request,
    person,
    resident_and_coordinator,
    second_community,
)
from tests.e2e.harness import RunningBot

pytestmark = pytest.mark.postgresql
TAO_PHONE = "13900139000"
CODE = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}")


async def _two_tasks_done(
    linli: RunningBot, telegram: FakeBotAPI, volunteer: User, minutes: tuple[int, int]
) -> None:
    """Two of Mei's requests, taken and finished by the volunteer: time credited twice."""
    resident, coordinator = await resident_and_coordinator(linli, telegram)
    for n, spent in enumerate(minutes):
        request = await open_request(linli, resident, coordinator, f"Rice and eggs, week {n}")
        async with linli.app.session_factory() as session:
            tao = await session.get(User, volunteer.id)
            await claims.claim_task(session, tao, request.id, clock=linli.clock, max_open_claims=3)
            await claims.complete_task(session, tao, request.id, spent, clock=linli.clock)
            await session.commit()


async def _files(linli: RunningBot, user: ChatUser) -> list[bytes]:
    await linli.outbox_drained()
    return [m.file_bytes or b"" for m in user.messages if m.document is not None]


async def test_a_volunteer_gets_her_certificate_and_coordinators_check_it(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    tao_row = await person(community, telegram, 601, UserRole.VOLUNTEER, name="Tao Wang",
                           phone=TAO_PHONE)  # fmt: skip
    await _two_tasks_done(community, telegram, tao_row, (60, 30))
    tao = telegram.users[601]

    await tao.send_command("/hours")
    assert "In total: 1 h 30 min" in tao.last.text
    await tao.tap("📜 Certificate")
    question = tao.last
    assert "As a picture" in question.text
    assert question.labels == ["🖼 Picture (PNG)", "🖨 PDF to print"]
    pdf_press = CertificateStep(action="pdf").pack()
    await tao.press_data(pdf_press, question.message_id, wait=False)  # a double tap
    await tao.press_data(pdf_press, question.message_id)
    await tao.wait_for_message(lambda m: m.document is not None)
    files = await _files(community, tao)
    assert len(files) == 1  # one file, however many taps
    assert any("on its way" in (a.text or "") for a in tao.callback_answers)
    sent = next(m for m in tao.messages if m.document is not None)
    assert sent.document is not None and sent.document["file_name"].endswith(".pdf")
    code = CODE.search(sent.text)
    assert code is not None and "1.5 h" in sent.text
    page = pypdf.PdfReader(io.BytesIO(files[0])).pages[0]
    text = page.extract_text()
    for shown in ("志愿服务时长证明", "Tao Wang", "1.5 h", code.group(), "Community"):
        assert shown in text, shown
    assert TAO_PHONE not in text and "Building 5" not in text  # nothing else of hers
    async with community.app.session_factory() as session:
        issued = (await session.scalars(select(Certificate))).one()
        assert (issued.minutes, issued.user_id) == (90, tao_row.id)

    lin = telegram.users[502]  # the coordinator of her community
    await lin.send_command("/verify", code.group().lower().replace("-", " "))
    assert "is genuine" in lin.last.text
    assert "Tao Wang" in lin.last.text and "1.5 h" in lin.last.text
    assert "Issued on: 2 Mar 2026" in lin.last.text and "Issued on 2 Mar 2026" in text

    east = await second_community(community)
    await person(community, telegram, 701, UserRole.COORDINATOR, name="Kai", community_id=east)
    kai = telegram.users[701]
    await kai.send_command("/verify")
    assert "Type its code" in kai.last.text
    await kai.send_sticker()
    assert "Type its code" in kai.last.text
    await kai.send_text("hello")
    assert "does not look like a certificate's code" in kai.last.text
    await kai.send_text(code.group())
    assert "No certificate with this code" in kai.last.text and "Tao" not in kai.last.text
    await kai.send_command("/verify", "ZZZZ-ZZZZ")  # a code nobody has: the same answer
    assert "No certificate with this code" in kai.last.text

    async with community.app.session_factory() as session:
        actions = list(await session.scalars(select(AuditEvent.action)))
    assert actions.count("certificate.issued") == 1
    assert actions.count("certificate.verified") == 1
    assert actions.count("certificate.not_found") == 2


async def test_a_picture_in_chinese_and_kind_answers_to_those_who_have_none(
    community: RunningBot, telegram: FakeBotAPI
) -> None:
    mei_row = await person(community, telegram, 602, UserRole.VOLUNTEER, name="陈美玲",
                           locale="zh_Hant")  # fmt: skip
    await _two_tasks_done(community, telegram, mei_row, (45, 45))
    mei = telegram.users[602]
    await mei.send_command("/hours")
    await mei.tap("📜 時數證明")
    await mei.tap("🖼 圖片")
    await mei.wait_for_message(lambda m: m.document is not None)
    png = next(m for m in mei.messages if m.document is not None)
    assert "1.5 小時" in png.text and png.document is not None
    assert png.document["file_name"].endswith(".png")
    assert Image.open(io.BytesIO(png.file_bytes or b"")).size == (1240, 1753)

    resident = telegram.users[501]  # pressing a volunteer's button
    await resident.send_command("/help")
    await resident.press_data(CertificateStep(action="pdf").pack(), resident.last.message_id)
    assert resident.callback_answers[-1].text
    await resident.send_command("/verify", "ABCD-EFGH")
    assert "checked by the community's coordinators" in resident.last.text

    await person(community, telegram, 603, UserRole.VOLUNTEER, name="Nia", approved=False)
    nia = telegram.users[603]
    await nia.send_command("/help")
    await nia.press_data(CertificateStep(action="ask").pack(), nia.last.message_id)
    assert nia.callback_answers[-1].text  # waiting for approval: told so, nothing sent
    await person(community, telegram, 604, UserRole.VOLUNTEER, name="Sam")
    sam = telegram.users[604]
    await sam.send_command("/hours")
    assert "📜 Certificate" not in str(sam.last.buttons)  # no time yet: no button
    await sam.press_data(CertificateStep(action="png").pack(), sam.last.message_id)
    assert "No time is credited to you yet" in sam.callback_answers[-1].text
    await community.outbox_drained()
    assert not [m for m in (*nia.messages, *sam.messages) if m.document is not None]
