"""Hours certificates below the chat: the drawing (its PDF's words, the PNG's size), the code
as typed back, the hours as printed, and the rules: the time credited less its reversals, for
volunteers only, one per press, and found only by coordinators of its community (a street's
coordinator included), every check audited."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdf
import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import ManualClock
from bot.config import Settings
from bot.i18n import create_i18n
from bot.services import certificates, ledger
from bot.services.certificates import CertificateDraft
from bot.services.communities import FIRST_COMMUNITY_ID, add_community
from bot.services.errors import NotAllowed, VolunteerNotApproved
from bot.views.certificates import certificate_words, hours_label
from bot.views.render.certificate import draw
from storage.models import AuditEvent, CommunityLevel, User, UserRole
from tests.people import make_person

pytestmark = pytest.mark.postgresql
SETTINGS = Settings(default_locale="en")
I18N = create_i18n("en")


def _draft(minutes: int = 750) -> CertificateDraft:
    return CertificateDraft(
        code="ABCD2345", user_id=1, name="王小明", community_id=1,
        community_line="南山区 桃源街道 平山社区", minutes=minutes,
        period_from=datetime(2026, 1, 3, tzinfo=UTC), period_to=datetime(2026, 11, 30, tzinfo=UTC),
        issued_at=datetime(2026, 12, 3, tzinfo=UTC), timezone="Asia/Shanghai",
    )  # fmt: skip


def _drawn(locale: str, fmt: str) -> bytes:
    with I18N.context(), I18N.use_locale(locale):
        words = certificate_words(_draft(), locale)
    return draw(words, fmt, locale)  # type: ignore[arg-type]


def test_the_pdf_says_what_it_certifies_and_the_png_is_a4() -> None:
    reader = pypdf.PdfReader(io.BytesIO(_drawn("zh_Hans", "pdf")))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for shown in ("志愿服务时长证明", "王小明", "12.5 小时", "ABCD-2345", "平山社区",
                  "2026年12月3日", "/verify ABCD-2345"):  # fmt: skip
        assert shown in text, shown
    hant = pypdf.PdfReader(io.BytesIO(_drawn("zh_Hant", "pdf"))).pages[0].extract_text()
    assert "義工服務時數證明" in hant and "12.5 小時" in hant
    image = Image.open(io.BytesIO(_drawn("en", "png")))
    assert image.format == "PNG" and image.size == (1240, 1753)


def test_codes_are_read_as_typed_and_hours_never_rounded_up() -> None:
    code = certificates.new_code()
    assert len(code) == 8 and not set(code) & set("01OI")
    assert certificates.typed_code(" abcd-2345 ") == "ABCD2345"
    assert certificates.typed_code("ABCD 2345") == "ABCD2345"
    for wrong in ("", "ABCD-234", "ABCD-23450", "ABCD-0123", "hello world", None):
        assert certificates.typed_code(wrong) is None
    with I18N.context(), I18N.use_locale("en"):
        assert [hours_label(m) for m in (59, 60, 750, 89)] == ["0.9 h", "1 h", "12.5 h", "1.4 h"]


async def _credit(session: AsyncSession, person: User, minutes: int, n: int, clock: ManualClock):
    return await ledger.credit_time(
        session, community_id=person.community_id or FIRST_COMMUNITY_ID, person_id=person.id,
        minutes=minutes, now=clock.now(), source=f"test:{person.id}:{n}", kind=ledger.TIME_TASK,
    )  # fmt: skip


async def test_what_is_certified_and_who_may_check_it(
    session: AsyncSession, clock: ManualClock
) -> None:
    street = await add_community(
        session, name="North Street", slug="north", level=CommunityLevel.STREET, clock=clock
    )
    east = await add_community(session, name="East Lane", slug="east", parent_slug="north",
                               clock=clock)  # fmt: skip
    tao = await make_person(session, clock, 601, UserRole.VOLUNTEER, name="Tao",
                            community_id=east.id)  # fmt: skip
    await _credit(session, tao, 60, 0, clock)
    wrong = await _credit(session, tao, 30, 1, clock)
    await ledger.reverse(session, wrong.id, reason="not done", now=clock.now(), by_id=None)

    draft = await certificates.draft_certificate(
        session, SETTINGS, tao, source="cert:1:1", clock=clock
    )
    assert draft.minutes == 60 and draft.community_line == "North Street East Lane"
    await certificates.issue_certificate(session, tao, draft, source="cert:1:1")
    with pytest.raises(certificates.AlreadyIssued):  # the same press again
        await certificates.draft_certificate(session, SETTINGS, tao, source="cert:1:1", clock=clock)
    with pytest.raises(certificates.AlreadyIssued):
        await certificates.issue_certificate(session, tao, draft, source="cert:1:1")

    at_street = await make_person(session, clock, 701, UserRole.COORDINATOR, name="Sam",
                                  community_id=street.id)  # fmt: skip
    found = await certificates.verify_certificate(
        session, SETTINGS, at_street, draft.code.lower(), clock=clock
    )
    assert (found.name, found.certificate.minutes) == ("Tao", 60)
    elsewhere = await make_person(session, clock, 702, UserRole.COORDINATOR, name="Lin")
    for code in (draft.code, "ZZZZZZZZ"):  # another community's, and nobody's: the same
        with pytest.raises(certificates.CertificateNotFound):
            await certificates.verify_certificate(session, SETTINGS, elsewhere, code, clock=clock)
    with pytest.raises(certificates.CodeMalformed):
        await certificates.verify_certificate(session, SETTINGS, elsewhere, "hi", clock=clock)
    with pytest.raises(NotAllowed):  # a volunteer does not check certificates
        await certificates.verify_certificate(session, SETTINGS, tao, draft.code, clock=clock)
    actions = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert [a for a in actions if a.startswith("certificate.")] == [
        "certificate.issued", "certificate.verified", "certificate.not_found",
        "certificate.not_found",
    ]  # fmt: skip


async def test_only_approved_volunteers_with_time_get_one(
    session: AsyncSession, clock: ManualClock
) -> None:
    mei = await make_person(session, clock, 501, UserRole.RESIDENT, name="Mei")
    await _credit(session, mei, 45, 0, clock)  # time she gave back: in My hours, not certified
    with pytest.raises(NotAllowed):
        await certificates.may_have_one(session, SETTINGS, mei)
    waiting = await make_person(session, clock, 602, UserRole.VOLUNTEER, approved=False)
    with pytest.raises(VolunteerNotApproved):
        await certificates.may_have_one(session, SETTINGS, waiting)
    sam = await make_person(session, clock, 603, UserRole.VOLUNTEER, name="Sam")
    with pytest.raises(certificates.NoCreditedTime):
        await certificates.draft_certificate(session, SETTINGS, sam, source="s", clock=clock)
    lin = await make_person(session, clock, 604, UserRole.COORDINATOR, name="Lin")
    await _credit(session, lin, 30, 0, clock)  # a coordinator who volunteers: theirs too
    await certificates.may_have_one(session, SETTINGS, lin)
