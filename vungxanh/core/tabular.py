"""Reading CSV and Excel uploads row by row, validating each row with a Django form (as
NetBox's imports do) and writing a per-row error report. Used by every import."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _

MAX_ROWS = 200_000


class TableError(ValueError):
    """The file as a whole cannot be read (wrong format, no header, too many rows)."""


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row number as a spreadsheet shows it (header is row 1)
    column: str
    message: str


class Row(dict[str, str]):
    """One data row of an upload, its cells keyed by the normalised column names, and
    ``number``: the row as a spreadsheet shows it (the header is row 1; blank rows are
    skipped but keep their numbers), which error reports name."""

    def __init__(self, number: int, cells: Mapping[str, str]) -> None:
        super().__init__(cells)
        self.number = number


def _normalise_header(name: Any) -> str:
    return str(name or "").strip().lower().replace(" ", "_")


def read_table(data: bytes, filename: str) -> list[Row]:
    """The non-blank rows of a .csv (UTF-8, comma or semicolon) or .xlsx file as dicts keyed
    by the normalised header ("Unit code" → "unit_code"), each with its row number."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(data)
    raise TableError(_("Unsupported file type: upload a .csv or .xlsx file."))


def _read_csv(data: bytes) -> list[Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(_("The file is not UTF-8 text. Save it as 'CSV UTF-8'.")) from exc
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
        return _rows(header, reader)
    except StopIteration as exc:
        raise TableError(_("The file is empty.")) from exc
    except csv.Error as exc:  # a cell longer than the csv module takes, a broken quote
        raise TableError(
            _(
                "Line %(line)d of the file cannot be read: a cell is too long or a quotation "
                "mark is not closed."
            )
            % {"line": reader.line_num}
        ) from exc


def _read_xlsx(data: bytes) -> list[Row]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise TableError(_("The Excel file cannot be read.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            header = next(rows)
        except StopIteration as exc:
            raise TableError(_("The file is empty.")) from exc

        def cells() -> Iterable[list[str]]:
            for raw in rows:
                yield ["" if v is None else _cell(v) for v in raw]

        return _rows(list(header), cells())
    except TableError:
        raise
    except Exception as exc:  # a sheet that breaks while it is read
        raise TableError(_("The Excel file cannot be read.")) from exc


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d"))
    return str(value).strip()


def _rows(header: Sequence[Any], body: Iterable[Sequence[str]]) -> list[Row]:
    keys = [_normalise_header(h) for h in header]
    if not any(keys):
        raise TableError(_("The first row must hold the column names."))
    out: list[Row] = []
    # Both readers yield every row after the header, empty ones included (openpyxl's
    # read-only sheets too), so a row's position is its number.
    for number, values in enumerate(body, start=2):
        if not any(str(v).strip() for v in values):
            continue  # a blank row: skipped, but it keeps its number
        cells = {k: str(v).strip() for k, v in zip(keys, values, strict=False) if k}
        out.append(Row(number, cells))
        if len(out) > MAX_ROWS:
            raise TableError(_("Too many rows (at most %(max)d).") % {"max": MAX_ROWS})
    return out


class CleanedRow(dict[str, Any]):
    """A row's cleaned values, remembering its row number in the file (for what a later
    check or the save refuses: the report must name the spreadsheet's row)."""

    def __init__(self, number: int, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.number = number


def validate_rows(
    rows: Sequence[Mapping[str, str]],
    make_form: Callable[[Mapping[str, str]], forms.Form],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[CleanedRow], list[RowError]]:
    """Validate every row; return the cleaned rows and the errors (none applied yet)."""
    cleaned: list[CleanedRow] = []
    errors: list[RowError] = []
    total = len(rows)
    for index, row in enumerate(rows):
        form = make_form(row)
        number = getattr(row, "number", index + 2)
        if form.is_valid():
            cleaned.append(CleanedRow(number, form.cleaned_data))
        else:
            for column, messages in form.errors.items():
                for message in messages:
                    errors.append(
                        RowError(number, "" if column == "__all__" else column, str(message))
                    )
        if progress and (index % 200 == 0 or index == total - 1):
            progress(index + 1, total)
    return cleaned, errors


def error_report(errors: Sequence[RowError], filename: str) -> tuple[str, str, bytes]:
    """A CSV a user can open next to their file: row, column, message."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Row"), _("Column"), _("Error")])
    for e in errors:
        writer.writerow([e.row, e.column, e.message])
    stem = filename.rsplit(".", 1)[0] or "import"
    return f"{stem}-errors.csv", "text/csv; charset=utf-8", out.getvalue().encode("utf-8-sig")
