"""The XLSX engine: the one module that imports openpyxl.

openpyxl takes a while to import, and `lafast --help` or `lafast status` never need it, so it
is imported on first use: the openpyxl names the forms, the Synopse and the disposition sheet
build workbooks with are stand-ins below that import their module when first called.

Workbooks are written like every other file (`save_workbook`: atomically, through the crash
journal), with every cell as text (`as_text`: outsider text such as `=HYPERLINK(…)` is never
a formula), and read in one safe way (`open_workbook`: read-only, values only, no macros, no
external links).
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lafast_docs.errors import Rejected
from lafast_docs.storage.files import atomic_write


def _deferred(module: str, name: str) -> Callable[..., Any]:
    """A stand-in for `module.name` that imports `module` when first called."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"`{module}.{name}`, imported when first called."
    return call


Workbook = _deferred("openpyxl", "Workbook")
Alignment = _deferred("openpyxl.styles", "Alignment")
Font = _deferred("openpyxl.styles", "Font")
PatternFill = _deferred("openpyxl.styles", "PatternFill")
Protection = _deferred("openpyxl.styles", "Protection")
get_column_letter = _deferred("openpyxl.utils", "get_column_letter")
WorkbookProtection = _deferred("openpyxl.workbook.protection", "WorkbookProtection")
DataValidation = _deferred("openpyxl.worksheet.datavalidation", "DataValidation")
StringProperty = _deferred("openpyxl.packaging.custom", "StringProperty")


def custom_property(wb: Any, key: str, value: str) -> None:
    wb.custom_doc_props.append(StringProperty(name=key, value=value))


FORMULA_START = ("=", "+", "-", "@")


def as_text(wb: Any) -> None:
    """Every cell written from text stays text: lafast writes no formulas, so a value that
    openpyxl would store as a formula (`=…`) is stored as a string, and every value a
    spreadsheet would read as one when edited (`=`, `+`, `-`, `@`) gets the quote prefix
    (Excel's and LibreOffice's "this is text" flag, kept when the cell is edited)."""
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and value.lstrip().startswith(FORMULA_START):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def workbook_bytes(wb: Any) -> bytes:
    """The workbook as XLSX bytes, every text cell stored as text (`as_text`)."""
    as_text(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def save_workbook(wb: Any, target: Path) -> None:
    """Write an openpyxl workbook like every other file: atomically, through the journal."""
    atomic_write(target, workbook_bytes(wb))


def open_workbook(data: bytes, *, hint: str, path: Path | None = None) -> Any:
    """The workbook read-only, values only, without macros or external links; a file openpyxl
    cannot read is `Rejected` (the intake quarantines it) with `hint`."""
    from openpyxl import load_workbook

    try:
        return load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_vba=False, keep_links=False
        )
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise Rejected("Die Excel-Datei lässt sich nicht lesen.", path=path, hint=hint) from exc


def lafast_properties(wb: Any) -> dict[str, str]:
    """The workbook's custom document properties written by lafast (`lafast-…`)."""
    return {
        p.name: str(p.value)
        for p in getattr(wb, "custom_doc_props", [])
        if str(p.name).startswith("lafast-")
    }
