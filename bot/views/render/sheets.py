"""Tables as files: an XLSX workbook with one sheet per table, or one CSV of all of them.
Pure: tables in (their words already in the reader's language), bytes out."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

Cell = str | int | float | None
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]]


def xlsx(tables: list[Table], *, heading: str = "") -> bytes:
    """One sheet per table (named by its title), `heading` above each."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    used: set[str] = set()
    for table in tables:
        name = _SHEET_NAME_BAD.sub(" ", table.title)[:31] or "Sheet"
        while name in used:
            name = name[:29] + f"_{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        if heading:
            sheet.append([heading])
        sheet.append(table.header)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(40, 4 + 2 * width)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(tables: list[Table]) -> bytes:
    """Every table in one CSV (UTF-8 with a BOM, so spreadsheets read the Chinese): the
    table's title in the first column of each of its rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for table in tables:
        writer.writerow(["", *table.header])
        for row in table.rows:
            writer.writerow([table.title, *row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
