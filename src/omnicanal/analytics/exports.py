"""Every dashboard and drill-down table as CSV or XLSX (openpyxl): the raw values, numbers kept as
numbers (amounts in the business currency, fractions 0–1, minutes), times in UTC, one header row of
the columns' labels in the reader's language."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from omnicanal.analytics.dashboard import Table

CSV, XLSX = "csv", "xlsx"
FORMATS = {CSV: "text/csv; charset=utf-8",
           XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# A cell starting with one of these is a formula to a spreadsheet: quote it (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _rows(table: Table) -> list[list[Any]]:
    return [[_cell(row.get(col.key)) for col in table.columns] for row in table.rows]


def as_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(col.label) for col in table.columns])
    for row in _rows(table):
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.datetime) else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: spreadsheets then read UTF-8


def as_xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = table.name[:31]
    sheet.append([str(col.label) for col in table.columns])
    for row in _rows(table):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(table: Table, fmt: str) -> bytes:
    return as_xlsx(table) if fmt == XLSX else as_csv(table)
