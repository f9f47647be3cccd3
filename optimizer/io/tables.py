"""CSV and JSON tables <-> contract models, with errors that name the file, row and column.

Files are UTF-8, ``\\n`` line ends, CSV with a header row and minimal quoting. A bad cell
raises :class:`InvalidInput` whose field reads ``sites.csv row 7 column lat`` (row 1 is the
header) and a bad JSON item ``engineers.json[3].skills[0]``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from optimizer.errors import InvalidInput, validation_error_fields

M = TypeVar("M", bound=BaseModel)


# -- writing ------------------------------------------------------------------------------------

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (or a DDE call)."""
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?([eE][+-]?[0-9]+)?")


def safe_cell(value: Any) -> Any:
    """A cell value that no spreadsheet runs as a formula: text starting with ``= + - @``, a
    tab or a carriage return gets a leading apostrophe (OWASP's CSV-injection advice), so
    ``=HYPERLINK(…)`` from a ticket title stays text. Numbers, and text that is just a
    number (``-12.5``), are left as they are. Used by every CSV and Excel export, the
    command line's and the service's alike."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if _PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The text :func:`safe_cell` escaped, as it was (reading back our own exports)."""
    if text.startswith("'") and text[1:2] in FORMULA_STARTS and text[1:2] != "":
        return text[1:]
    return text


def safe_row(cells: Iterable[Any]) -> list[Any]:
    """A row of cells, each through :func:`safe_cell`."""
    return [safe_cell(c) for c in cells]


def safe_workbook(workbook: Any) -> Any:
    """Every text cell of an openpyxl workbook passed through :func:`safe_cell` (a cell
    assigned ``"=…"`` would otherwise be saved as a formula); returns the workbook."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = safe_cell(cell.value)
    return workbook


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with a header, ``\\n`` line ends and minimal quoting (byte-stable); every cell
    passes :func:`safe_cell`."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return buf.getvalue()


def json_text(value: Any) -> str:
    """JSON text: two-space indent, sorted keys, UTF-8 letters kept, final newline."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def models_json(models: Iterable[BaseModel]) -> str:
    """A JSON list of models (JSON mode, ``None`` fields left out)."""
    return json_text([m.model_dump(mode="json", exclude_none=True) for m in models])


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text with ``\\n`` line ends, creating the folder; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return path


def iso_minutes(dt: datetime | None) -> str:
    """An aware datetime as ISO 8601 to the minute with its offset (``2026-11-30T09:30+04:00``),
    or an empty string when absent."""
    if dt is None:
        return ""
    return dt.isoformat(timespec="minutes")


def fixed(value: float, decimals: int) -> str:
    """A number with a fixed count of decimals (stable text of coordinates)."""
    return f"{value:.{decimals}f}"


# -- reading ------------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """The UTF-8 text of a file; a missing or unreadable file is invalid input naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput("file", str(path), "file not found") from None
    except UnicodeDecodeError:
        raise InvalidInput("file", str(path), "not UTF-8 text") from None
    except OSError as err:
        raise InvalidInput("file", str(path), f"cannot read: {err.strerror}") from None


class CsvRow:
    """One data row of a CSV file, with typed getters that name file, row and column."""

    def __init__(self, file: str, line: int, values: Mapping[str, str]) -> None:
        self.file = file
        self.line = line
        self.values = values

    def where(self, column: str) -> str:
        """The field path of a cell: ``sites.csv row 7 column lat``."""
        return f"{self.file} row {self.line} column {column}"

    def text(self, column: str, required: bool = True) -> str:
        """A cell's text, stripped; empty is an error when ``required``."""
        value = unescape_cell((self.values.get(column) or "").strip())
        if required and not value:
            raise InvalidInput(self.where(column), value, "empty cell")
        return value

    def number(self, column: str) -> float:
        """A cell as a float."""
        raw = self.text(column)
        try:
            return float(raw)
        except ValueError:
            raise InvalidInput(self.where(column), raw, "not a number") from None

    def integer(self, column: str) -> int:
        """A cell as an integer."""
        raw = self.text(column)
        try:
            return int(raw)
        except ValueError:
            raise InvalidInput(self.where(column), raw, "not an integer") from None

    def boolean(self, column: str) -> bool:
        """A cell as a boolean: ``true`` / ``false`` (also 1/0, yes/no)."""
        raw = self.text(column).lower()
        if raw in ("true", "1", "yes"):
            return True
        if raw in ("false", "0", "no"):
            return False
        raise InvalidInput(self.where(column), raw, "not a boolean (true or false)")

    def aware(self, column: str, required: bool = True) -> datetime | None:
        """A cell as an aware ISO 8601 datetime (empty gives ``None`` when not required)."""
        raw = self.text(column, required)
        if not raw:
            return None
        try:
            dt = datetime.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(
                self.where(column), raw, "not an ISO 8601 datetime, e.g. 2026-11-30T09:30+04:00"
            ) from None
        if dt.tzinfo is None:
            raise InvalidInput(self.where(column), raw, "datetime needs an offset, e.g. +04:00")
        return dt


def read_csv_rows(path: Path, columns: Sequence[str]) -> list[CsvRow]:
    """The data rows of a CSV file that must have ``columns`` in its header."""
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in columns if c not in header]
    if missing:
        raise InvalidInput(f"{path.name} row 1", ",".join(header), f"missing column {missing[0]!r}")
    rows = []
    for values in reader:
        line = reader.line_num
        if None in values:
            raise InvalidInput(f"{path.name} row {line}", values[None], "more cells than columns")
        rows.append(CsvRow(path.name, line, values))
    return rows


def validate_row(
    row: CsvRow, model: type[M], data: dict[str, Any], columns: Mapping[str, str]
) -> M:
    """Validate one row's data as ``model``; an error names the row and the CSV column of the
    first bad field (``columns`` maps a model field to its column, default the same name)."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        field, value, msg = validation_error_fields(err)[0]
        top = field.split(".")[0].split("[")[0]
        column = columns.get(field, columns.get(top, top))
        raise InvalidInput(row.where(column), value, msg) from None


def read_csv_models(
    path: Path,
    model: type[M],
    columns: Sequence[str],
    build: Callable[[CsvRow], dict[str, Any]],
    field_columns: Mapping[str, str] | None = None,
) -> list[M]:
    """Every row of a CSV file converted by ``build`` and validated as ``model``."""
    return [
        validate_row(row, model, build(row), field_columns or {})
        for row in read_csv_rows(path, columns)
    ]


def read_json_models(path: Path, model: type[M]) -> list[M]:
    """A JSON file holding a list of ``model`` items; an error names the file and item path."""
    text = read_text(path)
    try:
        items = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput(
            path.name, f"line {err.lineno} column {err.colno}", f"malformed JSON: {err.msg}"
        ) from None
    if not isinstance(items, list):
        raise InvalidInput(path.name, type(items).__name__, "expected a JSON list")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(model.model_validate(item))
        except ValidationError as err:
            field, value, msg = validation_error_fields(err)[0]
            raise InvalidInput(f"{path.name}[{i}].{field}", value, msg) from None
    return out
