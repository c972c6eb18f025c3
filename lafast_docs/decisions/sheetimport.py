"""`lafast disposition import`: read a filled-in disposition sheet (sheet.py) back.

Import is all or nothing: every row is checked first (known comment of this document and
round, a known decision, a reason where one is required, …) and every problem is reported with
its row or line. Rows whose decision did not change are skipped, so importing the same sheet
twice records nothing new; changed decisions are appended to the history (`disposition.py`),
in one commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.rounds import round_dir
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.decisions import disposition
from lafast_docs.decisions.sheet import SHEET, SHEET_FORMAT, YAML_KEYS, load_yaml
from lafast_docs.errors import LafastError, Problem, SheetError
from lafast_docs.render.workbook import lafast_properties, open_workbook
from lafast_docs.storage import yamlio
from lafast_docs.workspace import Workspace

_BY_LABEL = {label.lower(): key for key, label in disposition.DECISIONS.items()}
_BY_LABEL.update({key: key for key in disposition.DECISIONS})
_BY_LABEL["zur kenntnis"] = "kenntnis"


@dataclass(frozen=True)
class Row:
    where: str  # "Zeile 7"
    line: int | None
    id: str
    values: dict[str, str]


@dataclass(frozen=True)
class ImportResult:
    slug: str
    round_id: str
    recorded: list[disposition.Decision]
    unchanged: int
    open: int


def import_sheet(ws: Workspace, path: Path, *, dry_run: bool = False) -> ImportResult:
    """Read a filled-in sheet; all rows valid or nothing is recorded."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(
            f"Die Datei lässt sich nicht lesen ({exc.strerror}).",
            path=path,
            hint="Prüfen Sie Pfad und Schreibweise.",
        ) from exc
    safety.check_size(data)
    if data[:4] == b"PK\x03\x04":
        slug, round_id, rows = _read_xlsx(data, path)
    else:
        slug, round_id, rows = _read_yaml(data, path)
    if not (re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) and re.fullmatch(r"runde-\d+", round_id)):
        raise SheetError(
            "In der Datei fehlen Dokument und Runde (oder sie sind ungültig).",
            path=path,
            hint="Nur mit „lafast disposition export“ erzeugte Tabellen können eingelesen werden.",
        )

    folder = round_dir(ws, slug, round_id)
    known = {c["id"]: c for sub in list_submissions(folder) for c in sub.comments}
    if not known:
        raise SheetError(
            f"Zu „{slug}“, {round_id} gibt es in diesem Arbeitsbereich keine Anmerkungen.",
            path=path,
            hint="Ist das die Tabelle des richtigen Arbeitsbereichs und der richtigen Runde?",
        )
    current = disposition.current(folder)
    problems: list[Problem] = []
    new: list[disposition.Decision] = []
    unchanged = open_ = 0
    seen: dict[str, str] = {}
    for row in rows:
        try:
            decision = _check_row(row, known, seen)
        except LafastError as exc:
            problems.append(Problem(f"{row.where}: {exc.message}", path, row.line))
            continue
        if decision is None:
            open_ += 1
            continue
        entry = disposition.make(
            ws,
            row.id,
            decision,
            row.values["begruendung"],
            row.values["formulierung"],
            row.values["doppelung_von"],
            via=f"{path.name}, {row.where}",
        )
        old = current.get(row.id)
        if old is not None and old.same_as(entry):
            unchanged += 1
        else:
            new.append(entry)
    if problems:
        raise SheetError(
            f"Die Abwägungstabelle enthält {len(problems)} Fehler; nichts wurde übernommen:",
            path=path,
            problems=problems[:30],
            hint="Korrigieren Sie die genannten Zeilen und lesen Sie die Datei erneut ein.",
        )
    if new and not dry_run:
        disposition.append(
            ws,
            folder,
            new,
            message=f"Abwägung {slug} {round_id}: {len(new)} Entscheidungen aus {path.name}",
        )
    return ImportResult(slug, round_id, new, unchanged, open_)


def _check_row(row: Row, known: dict[str, Any], seen: dict[str, str]) -> str | None:
    if not row.id:
        raise SheetError("Die Kennung fehlt.")
    if row.id not in known:
        raise SheetError(f"Eine Anmerkung „{row.id}“ gibt es in dieser Runde nicht.")
    if row.id in seen:
        raise SheetError(f"„{row.id}“ steht schon in {seen[row.id]}.")
    seen[row.id] = row.where
    label = " ".join(row.values["entscheidung"].split()).lower()
    if not label:
        if any(row.values[k] for k in ("begruendung", "formulierung")):
            raise SheetError("Begründung oder Formulierung ohne Entscheidung.")
        return None
    decision = _BY_LABEL.get(label)
    if decision is None:
        raise SheetError(
            f"Unbekannte Entscheidung „{row.values['entscheidung']}“ (möglich: "
            + ", ".join(disposition.DECISIONS.values())
            + ")."
        )
    dup = row.values["doppelung_von"].upper()
    if dup and decision != "doppelung":
        raise SheetError("„Doppelung von“ ist nur bei der Entscheidung „Doppelung“ möglich.")
    if dup and dup not in known:
        raise SheetError(f"„Doppelung von“: eine Anmerkung „{dup}“ gibt es in dieser Runde nicht.")
    if dup == row.id:
        raise SheetError("Eine Anmerkung kann keine Doppelung ihrer selbst sein.")
    disposition.validate_decision(
        decision,
        reason=row.values["begruendung"],
        text=row.values["formulierung"],
        duplicate_of=dup,
    )
    return decision


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SheetError(f"{where}: hier wird Text erwartet.")
    text = str(value).strip()
    if len(text) > 20000:
        raise SheetError(f"{where}: der Text ist zu lang (höchstens 20 000 Zeichen).")
    return text


def _read_xlsx(data: bytes, path: Path) -> tuple[str, str, list[Row]]:
    zf = safety.open_zip(data)
    safety.check_office_parts(zf)
    if "xl/workbook.xml" not in zf.namelist():
        raise SheetError("Das ist keine Excel-Datei.", path=path)
    wb = open_workbook(
        data,
        path=path,
        hint="Exportieren Sie die Tabelle neu mit „lafast disposition export“.",
    )
    try:
        meta = lafast_properties(wb)
        if meta.get("lafast-format") != SHEET_FORMAT or SHEET not in wb.sheetnames:
            raise SheetError(
                "Das ist keine Abwägungstabelle von lafast.",
                path=path,
                hint="Erzeugen Sie sie mit „lafast disposition export KURZNAME“. "
                "Rückmeldungen von Trägern liest „lafast comments import“ ein.",
            )
        sheet_rows = [list(r) for r in wb[SHEET].iter_rows(values_only=True)]
    finally:
        wb.close()
    header = [str(h or "").strip() for h in sheet_rows[0]] if sheet_rows else []
    missing = [h for h in ("Kennung", *YAML_KEYS.values()) if h not in header]
    if missing:
        raise SheetError(
            "In der Tabelle fehlen Spalten: " + ", ".join(f"„{m}“" for m in missing) + ".",
            path=path,
            hint="Spalten nicht umbenennen oder löschen; sonst neu exportieren.",
        )
    cols = {h: header.index(h) for h in ("Kennung", *YAML_KEYS.values())}
    rows = []
    for n, raw in enumerate(sheet_rows[1:], start=2):
        raw = raw + [None] * (len(header) - len(raw))
        where = f"Zeile {n}"
        if all(v in (None, "") for v in raw):
            continue
        try:
            values = {
                key: _text(raw[cols[head]], f"{where}, Spalte „{head}“")
                for key, head in YAML_KEYS.items()
            }
            rid = _text(raw[cols["Kennung"]], where).upper()
        except LafastError as exc:
            raise SheetError(exc.message, path=path) from exc
        rows.append(Row(where, None, rid, values))
    return meta.get("lafast-dokument", ""), meta.get("lafast-runde", ""), rows


def _read_yaml(data: bytes, path: Path) -> tuple[str, str, list[Row]]:
    doc = load_yaml(data, path)
    items = doc.get("anmerkungen") or []
    if not isinstance(items, list):
        raise SheetError(
            "„anmerkungen“ muss eine Liste sein.",
            path=path,
            line=yamlio.line_of(doc, "anmerkungen"),
        )
    rows = []
    for i, item in enumerate(items, start=1):
        line = yamlio.line_of(item) if isinstance(item, dict) else None
        where = f"Eintrag {i}"
        if not isinstance(item, dict):
            raise SheetError(f"{where} ist kein Eintrag mit „id:“.", path=path, line=line)
        unknown = set(item) - {"id", *YAML_KEYS}
        if unknown:
            raise SheetError(
                f"{where}: unbekannte Angabe „{sorted(map(str, unknown))[0]}“.",
                path=path,
                line=yamlio.line_of(item, sorted(unknown, key=str)[0]),
                hint="Erlaubt sind id, " + ", ".join(YAML_KEYS) + ".",
            )
        try:
            values = {key: _text(item.get(key), f"{where}, {key}") for key in YAML_KEYS}
            rid = _text(item.get("id"), where).upper()
        except LafastError as exc:
            raise SheetError(exc.message, path=path, line=line) from exc
        rows.append(Row(where, line, rid, values))
    return str(doc.get("document") or ""), str(doc.get("round") or ""), rows
