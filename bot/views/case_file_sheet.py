"""A household's case file as a spreadsheet (XLSX), for a coordinator to keep or hand to the
street office: the household and its people, its needs, its follow-ups and everything that
happened, one sheet each, in the coordinator's language. Bytes only: the handler sends them."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from bot.services.case_file import CaseFile
from bot.views.case_file import entry_text, needs_rows
from bot.views.concerns import due_day, kind_label
from bot.views.words import dialable

_BOLD = Font(bold=True)


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[object]]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = _BOLD
    for row in rows:
        sheet.append(row)
    for column, width in zip("ABCD", (20, 60, 24, 24), strict=False):
        sheet.column_dimensions[column].width = width


def workbook(case: CaseFile, timezone: str, now: datetime) -> bytes:
    household = case.household
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    local = ZoneInfo(timezone)
    people: list[list[object]] = [
        [person.display_name or "—", dialable(person.phone) or ""] for person in case.people
    ]
    people += [[other.name, _("without a phone")] for other in case.others]
    _sheet(
        book,
        _("Household"),
        [_("Household"), household.label],
        [[_("Code"), household.code], [_("Address"), household.address or "—"],
         [_("Printed"), now.astimezone(local).strftime("%Y-%m-%d %H:%M")], [],
         [_("People"), _("Phone")], *people],
    )  # fmt: skip
    needs = [list(row) for row in needs_rows(case.needs)]
    _sheet(book, _("Needs"), [_("Need"), _("Answer")], needs)
    _sheet(
        book,
        _("Follow-ups"),
        [_("What"), _("Due"), _("Who")],
        [[kind_label(f.kind), due_day(f, timezone),
          (case.owners[f.owner_id].display_name or "—") if f.owner_id in case.owners else "—"]
         for f in case.follow_ups],
    )  # fmt: skip
    _sheet(
        book,
        _("What happened"),
        [_("When"), _("What")],
        [[entry.at.astimezone(local).strftime("%Y-%m-%d %H:%M"), entry_text(entry)]
         for entry in reversed(case.timeline)],  # oldest first, as a file is read
    )  # fmt: skip
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(case: CaseFile) -> str:
    return f"household-{case.household.code}.xlsx"
