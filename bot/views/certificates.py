"""Words of the hours certificate (志愿服务时长证明): the certificate itself, in the volunteer's
language (an English one carries the Chinese title too), the question of which file, and what
a coordinator reads when checking a code."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import html
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CertificateStep
from bot.services.certificates import CertificateDraft, Verified, shown_code
from bot.views.keyboards import one_per_row
from bot.views.render.certificate import CertificateWords
from bot.views.texts import month_names

CHINESE_TITLE = "志愿服务时长证明"
EXAMPLE = "ABCD-EFGH"  # what a code looks like


def full_date(moment: datetime, timezone: str) -> str:
    """ "3 Dec 2026", "2026年12月3日": a certificate's dates carry their year."""
    day = moment.astimezone(ZoneInfo(timezone))
    return _("{day} {month_name} {year}").format(
        day=day.day, month_name=month_names()[day.month - 1], year=day.year
    )


def hours_label(minutes: int) -> str:
    """ "12.5 h" ("12.5 小时"): in tenths of an hour, rounded down (never more than credited)."""
    tenths = minutes * 10 // 60
    value = str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"
    return _("{hours} h").format(hours=value)


def certificate_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("📜 Certificate"), callback_data=CertificateStep(action="ask").pack()
    )


def which_file_text() -> str:
    return _(
        "📜 A certificate of your volunteer hours, signed by your community with a code its "
        "coordinators can check. As a picture (to show on your phone) or a PDF (to print)?"
    )


def which_file_keyboard() -> InlineKeyboardMarkup:
    return one_per_row(
        [
            InlineKeyboardButton(
                text=_("🖼 Picture (PNG)"), callback_data=CertificateStep(action="png").pack()
            ),
            InlineKeyboardButton(
                text=_("🖨 PDF to print"), callback_data=CertificateStep(action="pdf").pack()
            ),
        ]
    )


def file_label(fmt: str) -> str:
    return _("🖼 Picture (PNG)") if fmt == "png" else _("🖨 PDF to print")


def certificate_words(draft: CertificateDraft, locale: str) -> CertificateWords:
    """In the volunteer's language (the one set); `locale` says whether to add the Chinese
    title under an English one."""
    start = full_date(draft.period_from, draft.timezone)
    end = full_date(draft.period_to, draft.timezone)
    code = shown_code(draft.code)
    return CertificateWords(
        title=_("Certificate of volunteer service hours"),
        subtitle="" if locale.startswith("zh") else CHINESE_TITLE,
        certify=_("This is to certify that"),
        name=draft.name,
        lines=(
            _("from {start} to {end}").format(start=start, end=end),
            _("gave volunteer service in {community},").format(community=draft.community_line),
            _("for a total of"),
        ),
        hours=hours_label(draft.minutes),
        signature=draft.community_line,
        issued=_("Issued on {date}").format(date=full_date(draft.issued_at, draft.timezone)),
        code=_("Verification code: {code}").format(code=code),
        check=_("Check it: send {check} to the community's coordinators.").format(
            check=f"/verify {code}"  # printed for the coordinator who checks, who types it
        ),
    )


def file_name(draft: CertificateDraft, fmt: str) -> str:
    return f"linli-certificate-{draft.code}.{fmt}"


def caption(draft: CertificateDraft) -> str:
    return _(
        "📜 Your certificate: {hours}. Its code is {code}: your community's coordinators can "
        "check it. Thank you for all you do! 🙏"
    ).format(hours=hours_label(draft.minutes), code=shown_code(draft.code))


def already_sent_text() -> str:
    return _("Your certificate is on its way: it was made at your first tap.")


def no_time_text() -> str:
    return _(
        "No time is credited to you yet. Your certificate can be made once a task or a visit "
        "of yours is counted. 🌱"
    )


def private_only_text() -> str:
    return _("Please use this in your private chat with me.")


def code_question() -> str:
    return _("Which certificate? Type its code, for example {example}.").format(example=EXAMPLE)


def code_malformed_text() -> str:
    return _(
        "That does not look like a certificate's code: it has 8 letters and digits, like "
        "{example}. Please type it again."
    ).format(example=EXAMPLE)


def not_found_text() -> str:
    return _(
        "No certificate with this code was found in your communities. Please check the "
        "letters with the volunteer, or ask the coordinators of their community."
    )


def verified_text(found: Verified) -> str:
    certificate, timezone = found.certificate, found.timezone
    text = _(
        "✅ Certificate {code} is genuine.\nVolunteer: {name}\nCommunity: {community}\n"
        "Hours: {hours}\nPeriod: {start} – {end}\nIssued on: {issued}"
    ).format(
        code=shown_code(certificate.code),
        name=html.quote(found.name),
        community=html.quote(found.community_line),
        hours=hours_label(certificate.minutes),
        start=full_date(certificate.period_from, timezone),
        end=full_date(certificate.period_to, timezone),
        issued=full_date(certificate.issued_at, timezone),
    )
    if certificate.revoked_at is not None:
        text += "\n\n" + _("⚠️ It was withdrawn on {date}: it no longer counts.").format(
            date=full_date(certificate.revoked_at, timezone)
        )
    return text


def coordinators_only() -> str:
    return _(
        "Certificates are checked by the community's coordinators. Your own is in ⏱ My hours. 🌷"
    )
