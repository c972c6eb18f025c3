"""The comment table: XLSX (the form, or any sheet with the same columns) and CSV.

One comment per row. Every row is checked; all problems are reported with row and column, and
then the file is refused as a whole (nothing is half-imported).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.model import (
    RawComment,
    RawSubmission,
    Reader,
    normalise_consent,
    normalise_kind,
)
from lafast_docs.render.workbook import lafast_properties, open_workbook

COLUMNS = {
    "rn": ("rn", "rn.", "randnummer", "randnr", "randnr."),
    "abschnitt": ("abschnitt", "kapitel", "gliederung"),
    "art": ("art", "kategorie", "typ"),
    "anmerkung": ("anmerkung", "kommentar", "anmerkungen"),
    "aenderungsvorschlag": (
        "änderungsvorschlag",
        "aenderungsvorschlag",
        "vorschlag",
        "formulierungsvorschlag",
    ),
    "begruendung": ("begründung", "begruendung"),
    "zitat": ("zitat", "textstelle"),
}
MAX_ROWS = 5000
MAX_CELL = 20000


def _header_map(header: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for idx, cell in enumerate(header):
        label = str(cell or "").strip().lower()
        for key, names in COLUMNS.items():
            if label in names and key not in found:
                found[key] = idx
    if "anmerkung" not in found and "aenderungsvorschlag" not in found:
        raise safety.Rejected(
            "Die Tabelle hat keine Spalte „Anmerkung“ oder „Änderungsvorschlag“.",
            hint="Verwenden Sie das verschickte Formular oder eine Kopfzeile mit Rn., Abschnitt, "
            "Art, Anmerkung, Änderungsvorschlag, Begründung, Zitat.",
        )
    return found


def _rows_to_comments(
    rows: list[list[Any]], cols: dict[str, int], *, first_row: int, label: str
) -> tuple[list[RawComment], list[str]]:
    comments, problems = [], []
    names = {
        "rn": "Rn.",
        "art": "Art",
        "anmerkung": "Anmerkung",
        "aenderungsvorschlag": "Änderungsvorschlag",
        "begruendung": "Begründung",
        "abschnitt": "Abschnitt",
        "zitat": "Zitat",
    }
    for offset, row in enumerate(rows):
        rownum = first_row + offset

        def cell(key: str, row: list[Any] = row) -> str:
            i = cols.get(key)
            value = row[i] if i is not None and i < len(row) else None
            return "" if value is None else str(value).strip()

        values = {k: cell(k) for k in cols}
        if not any(values.values()):
            continue
        for key, value in values.items():
            if len(value) > MAX_CELL:
                problems.append(f"Zeile {rownum}, Spalte {names[key]}: Text zu lang")
        rn: int | None = None
        if values.get("rn"):
            raw_rn = values["rn"].removesuffix(".0")
            if raw_rn.lower().startswith("rn"):
                raw_rn = raw_rn[2:].strip(". ")
            if raw_rn.isdigit() and 0 < int(raw_rn) < 100000:
                rn = int(raw_rn)
            else:
                problems.append(
                    f"Zeile {rownum}, Spalte Rn.: „{values['rn'][:20]}“ ist keine "
                    "Randnummer (eine ganze Zahl wie 12)"
                )
        kind = normalise_kind(values.get("art"))
        if values.get("art") and not kind:
            problems.append(
                f"Zeile {rownum}, Spalte Art: „{values['art'][:30]}“ ist nicht "
                "erlaubt (grundsätzlich, inhaltlich oder redaktionell)"
            )
        text, new = values.get("anmerkung", ""), values.get("aenderungsvorschlag", "")
        if not text and not new:
            problems.append(f"Zeile {rownum}: weder Anmerkung noch Änderungsvorschlag")
            continue
        quote = values.get("zitat", "")
        comments.append(
            RawComment(
                text=text,
                kind=kind,
                rn=rn,
                section=values.get("abschnitt", ""),
                quote=quote,
                proposal=(quote, new) if new else None,
                rationale=values.get("begruendung", ""),
                origin=f"{label}, Zeile {rownum}",
            )
        )
    if len(rows) > MAX_ROWS:
        problems.append(f"mehr als {MAX_ROWS} Zeilen")
    return comments, problems


def _finish(
    fmt: str, comments: list[RawComment], problems: list[str], meta: dict[str, str]
) -> RawSubmission:
    if problems:
        raise safety.Rejected(
            f"Die Tabelle enthält {len(problems)} Fehler: "
            + "; ".join(problems[:12])
            + (" …" if len(problems) > 12 else ""),
            hint="Korrigieren Sie die genannten Zeilen (oder bitten Sie den Absender darum) und "
            "lesen Sie die Datei erneut ein.",
        )
    return RawSubmission(
        fmt,
        comments,
        document=meta.get("lafast-dokument", ""),
        round=meta.get("lafast-runde", ""),
        org=meta.get("lafast-eingeladen", ""),
        version=meta.get("lafast-version", ""),
    )


def read_xlsx(data: bytes) -> RawSubmission:
    wb = open_workbook(data, hint="Bitten Sie um eine neu gespeicherte .xlsx-Datei.")
    try:
        meta = lafast_properties(wb)
        sheet = wb["Anmerkungen"] if "Anmerkungen" in wb.sheetnames else wb.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(max_row=MAX_ROWS + 2, values_only=True)]
        details = (
            {
                str(r[0]).strip(): r[1]
                for r in wb["Angaben"].iter_rows(max_row=20, max_col=2, values_only=True)
                if r and len(r) > 1 and r[0]
            }
            if "Angaben" in wb.sheetnames
            else {}
        )
    finally:
        wb.close()
    if not rows:
        raise safety.Rejected("Die Tabelle ist leer.")
    cols = _header_map(rows[0])
    comments, problems = _rows_to_comments(
        rows[1:], cols, first_row=2, label=f"Tabelle „{sheet.title}“"
    )
    raw = _finish("xlsx", comments, problems, meta)
    raw.consent = normalise_consent(details.get("Einwilligung zur Veröffentlichung"))
    contact = {
        key: str(details.get(label) or "").strip()[:300]
        for key, label in (("name", "Ansprechperson"), ("email", "E-Mail"))
    }
    raw.contact = {k: v for k, v in contact.items() if v}
    return raw


def read_csv(data: bytes) -> RawSubmission:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # found by tests/test_fuzz.py: bytes that are neither UTF-8 nor Windows-1252
        raise safety.Rejected(
            "Die CSV-Datei hat eine unbekannte Zeichenkodierung.",
            hint="Bitten Sie darum, sie als „CSV UTF-8“ zu speichern oder die Excel-Tabelle "
            "(.xlsx) zu schicken.",
        )
    try:
        dialect: type[csv.Dialect] = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        # a subclass: setting the delimiter on csv.excel itself would change it process-wide
        dialect = type("Guessed", (csv.excel,), {})
        dialect.delimiter = ";" if text.count(";") > text.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise safety.Rejected(f"Die CSV-Datei ist fehlerhaft: {exc}") from exc
    if not rows:
        raise safety.Rejected("Die CSV-Datei ist leer.")
    cols = _header_map(rows[0])
    comments, problems = _rows_to_comments(rows[1:], cols, first_row=2, label="CSV")
    return _finish("csv", comments, problems, {})


XLSX = Reader(
    name="xlsx",
    label="Excel",
    file_extensions=(".xlsx",),
    content_types=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    read=read_xlsx,
    zip_part="xl/workbook.xml",
)
CSV = Reader(
    name="csv",
    label="CSV",
    file_extensions=(".csv",),
    content_types=("text/csv",),
    read=read_csv,
)
