"""The disposition sheet for meetings: `lafast disposition export` writes every comment of a
round with its current decision as an XLSX table (drop-down for the decision) or a commented
YAML file; staff fill in decisions, in the meeting or after it; `lafast disposition import`
reads the sheet back.

Import is all or nothing: every row is checked first (known comment of this document and
round, a known decision, a reason where one is required, …) and every problem is reported with
its row or line. Rows whose decision did not change are skipped, so importing the same sheet
twice records nothing new; changed decisions are appended to the history (`disposition.py`),
in one commit.

Exporting YAML onto an earlier export of the same round updates it in place: the staff's own
`#` notes and the order of entries stay.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.intake.table import open_workbook
from lafast_docs.consultation.model import KIND_NAMES
from lafast_docs.consultation.submissions import Stored, list_submissions
from lafast_docs.decisions import disposition
from lafast_docs.errors import LafastError, Problem
from lafast_docs.render.workbook import (
    Alignment,
    DataValidation,
    Font,
    PatternFill,
    Protection,
    Workbook,
    WorkbookProtection,
    custom_property,
    get_column_letter,
    lafast_properties,
    save_workbook,
)
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace.config import Workspace

SHEET_FORMAT = "lafast-abwaegung-tabelle/1"
SHEET = "Abwägung"
FORMATS = ("xlsx", "yaml")
# columns of the XLSX sheet: (header, width, editable)
COLUMNS = (
    ("Kennung", 14, False),
    ("Rn.", 6, False),
    ("Abschnitt", 10, False),
    ("Organisation", 24, False),
    ("Art", 12, False),
    ("Anmerkung", 50, False),
    ("Änderungsvorschlag", 40, False),
    ("Begründung der Rückmeldung", 36, False),
    ("Entscheidung", 20, True),
    ("Begründung der Abwägung", 45, True),
    ("Übernommene Formulierung", 40, True),
    ("Doppelung von", 14, True),
    ("Zuletzt entschieden", 24, False),
)
YAML_KEYS = {  # YAML key -> XLSX header of the editable fields
    "entscheidung": "Entscheidung",
    "begruendung": "Begründung der Abwägung",
    "formulierung": "Übernommene Formulierung",
    "doppelung_von": "Doppelung von",
}
_BY_LABEL = {label.lower(): key for key, label in disposition.DECISIONS.items()}
_BY_LABEL.update({key: key for key in disposition.DECISIONS})
_BY_LABEL["zur kenntnis"] = "kenntnis"


@dataclass(frozen=True)
class Entry:
    """One comment as it appears in the sheet."""

    comment: dict[str, Any]
    sub: Stored
    current: disposition.Decision | None

    @property
    def id(self) -> str:
        return str(self.comment["id"])

    def context(self) -> dict[str, str]:
        c, a = self.comment, self.comment["anchor"]
        proposal = c.get("proposal") or {}
        if proposal.get("old") and proposal.get("new"):
            change = f"„{proposal['old']}“ → „{proposal['new']}“"
        elif proposal.get("old"):
            change = f"streichen: „{proposal['old']}“"
        else:
            change = f"„{proposal['new']}“" if proposal.get("new") else ""
        return {
            "rn": str(a.get("rn") or ""),
            "section": str(a.get("section") or ""),
            "org": str(self.sub.data.get("org_name") or self.sub.org),
            "kind": KIND_NAMES[c["kind"]],
            "text": str(c.get("text") or ""),
            "proposal": change,
            "rationale": str(c.get("rationale") or ""),
        }

    def values(self) -> dict[str, str]:
        d = self.current
        if d is None:
            return dict.fromkeys(YAML_KEYS, "")
        return {
            "entscheidung": disposition.DECISIONS[d.decision],
            "begruendung": d.reason,
            "formulierung": d.text,
            "doppelung_von": d.duplicate_of,
        }


def _round_folder(ws: Workspace, slug: str, round_id: str | None) -> Path:
    from lafast_docs.consultation.rounds import find_round

    return find_round(ws, slug, round_id).folder


def entries(ws: Workspace, slug: str, round_id: str | None = None) -> tuple[Path, list[Entry]]:
    folder = _round_folder(ws, slug, round_id)
    current = disposition.current(folder)
    result = [
        Entry(c, sub, current.get(c["id"]))
        for sub in list_submissions(folder)
        for c in sub.comments
    ]
    result.sort(key=lambda e: (int(e.comment["anchor"].get("rn") or 0), e.id))
    return folder, result


# -- export -------------------------------------------------------------------------------------
def export(
    ws: Workspace,
    slug: str,
    *,
    round_id: str | None = None,
    fmt: str = "xlsx",
    target: Path | None = None,
) -> tuple[Path, int]:
    """Write the sheet; returns its path and the number of comments in it."""
    if fmt not in FORMATS:
        raise LafastError(f"Unbekanntes Format „{fmt}“.", hint="Möglich: xlsx oder yaml.")
    folder, rows = entries(ws, slug, round_id)
    if not rows:
        raise LafastError(
            f"In {folder.name} von „{slug}“ gibt es noch keine Anmerkungen.",
            hint="Erst Rückmeldungen mit „lafast comments import DATEI“ einlesen.",
        )
    if target is None:
        target = ws.build_dir / slug / f"abwaegung-{slug}-{folder.name}.{fmt}"
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        _write_xlsx(slug, folder.name, rows, target)
    else:
        atomic_write(target, _yaml_text(slug, folder.name, rows, target))
    return target, len(rows)


def _write_xlsx(slug: str, round_id: str, rows: list[Entry], target: Path) -> None:
    wb = Workbook()
    sheet = wb.active
    sheet.title = SHEET
    sheet.append([c[0] for c in COLUMNS])
    head_fill, edit_fill = (
        PatternFill("solid", fgColor="E8EEF4"),
        PatternFill("solid", fgColor="FFF8DC"),
    )
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for e in rows:
        ctx, val, d = e.context(), e.values(), e.current
        sheet.append(
            [
                e.id,
                int(ctx["rn"]) if ctx["rn"] else None,
                ctx["section"],
                ctx["org"],
                ctx["kind"],
                ctx["text"],
                ctx["proposal"],
                ctx["rationale"],
                *(val[k] for k in YAML_KEYS),
                f"{d.by}, {d.at[:10]}" if d else "",
            ]
        )
    last = len(rows) + 1
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, (_h, width, editable) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = width
        for (cell,) in sheet.iter_rows(min_row=2, max_row=last, min_col=i, max_col=i):
            cell.alignment = wrap
            if editable:
                cell.protection = Protection(locked=False)
                cell.fill = edit_fill
    decision_col = get_column_letter(_col("Entscheidung"))
    dup_col = get_column_letter(_col("Doppelung von"))
    choice = DataValidation(
        type="list",
        formula1='"' + ",".join(disposition.DECISIONS.values()) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Entscheidung",
        error="Bitte eine Entscheidung aus der Liste wählen.",
        showInputMessage=True,
        promptTitle="Entscheidung",
        prompt="Aus der Liste wählen; außer bei „angenommen“ eine Begründung eintragen.",
    )
    dup = DataValidation(
        type="list",
        formula1=f"$A$2:$A${last}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Doppelung von",
        error="Bitte die Kennung einer anderen Anmerkung dieser Runde wählen.",
    )
    sheet.add_data_validation(choice)
    sheet.add_data_validation(dup)
    choice.add(f"{decision_col}2:{decision_col}{last}")
    dup.add(f"{dup_col}2:{dup_col}{last}")
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{last}"
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False
    sheet.protection.sort = False
    sheet.protection.formatRows = False
    sheet.protection.formatColumns = False

    info = wb.create_sheet("Hinweise")
    info.column_dimensions["A"].width = 110
    for line in _instructions(slug, round_id):
        info.append([line])
        info.cell(info.max_row, 1).alignment = Alignment(wrap_text=True)
    for key, value in (
        ("lafast-format", SHEET_FORMAT),
        ("lafast-dokument", slug),
        ("lafast-runde", round_id),
    ):
        custom_property(wb, key, value)
    wb.security = WorkbookProtection(lockStructure=True)
    save_workbook(wb, target)


def _col(header: str) -> int:
    return next(i for i, c in enumerate(COLUMNS, start=1) if c[0] == header)


def _instructions(slug: str, round_id: str) -> list[str]:
    return [
        f"Abwägung zu „{slug}“, {round_id.replace('-', ' ').capitalize()}.",
        "Je Anmerkung eine Entscheidung: " + ", ".join(disposition.DECISIONS.values()) + ".",
        "Außer bei „angenommen“ ist eine Begründung Pflicht. Bei „teilweise angenommen“ "
        "die übernommene Formulierung eintragen, bei „Doppelung“ die Kennung der anderen "
        "Anmerkung.",
        "Leere Entscheidungen bleiben offen. Einlesen mit: lafast disposition import DATEI",
        "Frühere Entscheidungen bleiben in der Geschichte erhalten; eingelesen wird nur, "
        "was sich geändert hat.",
    ]


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def _context_lines(e: Entry) -> list[str]:
    ctx = e.context()
    head = " · ".join(
        x
        for x in (
            f"Rn. {ctx['rn']}" if ctx["rn"] else "ganzes Dokument",
            ctx["section"] and f"Abschnitt {ctx['section']}",
            ctx["org"],
            ctx["kind"],
        )
        if x
    )
    lines = [head]
    for label, key in (
        ("Anmerkung", "text"),
        ("Vorschlag", "proposal"),
        ("Begründung", "rationale"),
    ):
        if ctx[key]:
            flat = " ".join(ctx[key].split())
            lines += textwrap.wrap(f"{label}: {flat}", 90, subsequent_indent="  ")
    return lines


def _entry_text(e: Entry) -> str:
    out = [f"  - id: {e.id}"]
    out += [f"    # {line}" for line in _context_lines(e)]
    out += [f"    {key}: {_q(value)}" for key, value in e.values().items()]
    return "\n".join(out) + "\n"


def _yaml_text(slug: str, round_id: str, rows: list[Entry], target: Path) -> str:
    if target.is_file():
        updated = _update_yaml(target, slug, round_id, rows)
        if updated is not None:
            return updated
    head = [f"# {line}" for line in _instructions(slug, round_id)]
    head += [
        "# Eigene Notizen als Zeilen mit # sind erlaubt; sie bleiben beim nächsten Export",
        "# in dieselbe Datei erhalten.",
        f"format: {SHEET_FORMAT}",
        f"document: {slug}",
        f"round: {round_id}",
        "anmerkungen:",
    ]
    return "\n".join(head) + "\n" + "".join(_entry_text(e) for e in rows)


def _update_yaml(target: Path, slug: str, round_id: str, rows: list[Entry]) -> str | None:
    """An earlier export of the same round, with current values and new comments added;
    None if the file is something else (then it is written anew)."""
    try:
        data = _load_yaml(target.read_bytes(), target)
    except LafastError:
        return None
    if (data.get("document"), data.get("round")) != (slug, round_id):
        return None
    items = data.get("anmerkungen")
    if items is None:
        return None
    by_id = {e.id: e for e in rows}
    seen = set()
    for item in items:
        e = by_id.get(str(item.get("id") or "").upper())
        if e is None:
            continue
        seen.add(e.id)
        for key, value in e.values().items():
            item[key] = value
    missing = [e for e in rows if e.id not in seen]
    if missing:
        added = yamlio.load(
            "anmerkungen:\n" + "".join(_entry_text(e) for e in missing),
            path=target,
            error=LafastError,
        )
        items.extend(added["anmerkungen"])
    return yamlio.dump(data)


# -- import -------------------------------------------------------------------------------------
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
        raise LafastError(
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
        raise LafastError(
            "In der Datei fehlen Dokument und Runde (oder sie sind ungültig).",
            path=path,
            hint="Nur mit „lafast disposition export“ erzeugte Tabellen können eingelesen werden.",
        )
    from lafast_docs.consultation.rounds import round_dir

    folder = round_dir(ws, slug, round_id)
    known = {c["id"]: c for sub in list_submissions(folder) for c in sub.comments}
    if not known:
        raise LafastError(
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
        raise LafastError(
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
        raise LafastError("Die Kennung fehlt.")
    if row.id not in known:
        raise LafastError(f"Eine Anmerkung „{row.id}“ gibt es in dieser Runde nicht.")
    if row.id in seen:
        raise LafastError(f"„{row.id}“ steht schon in {seen[row.id]}.")
    seen[row.id] = row.where
    label = " ".join(row.values["entscheidung"].split()).lower()
    if not label:
        if any(row.values[k] for k in ("begruendung", "formulierung")):
            raise LafastError("Begründung oder Formulierung ohne Entscheidung.")
        return None
    decision = _BY_LABEL.get(label)
    if decision is None:
        raise LafastError(
            f"Unbekannte Entscheidung „{row.values['entscheidung']}“ (möglich: "
            + ", ".join(disposition.DECISIONS.values())
            + ")."
        )
    dup = row.values["doppelung_von"].upper()
    if dup and decision != "doppelung":
        raise LafastError("„Doppelung von“ ist nur bei der Entscheidung „Doppelung“ möglich.")
    if dup and dup not in known:
        raise LafastError(f"„Doppelung von“: eine Anmerkung „{dup}“ gibt es in dieser Runde nicht.")
    if dup == row.id:
        raise LafastError("Eine Anmerkung kann keine Doppelung ihrer selbst sein.")
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
        raise LafastError(f"{where}: hier wird Text erwartet.")
    text = str(value).strip()
    if len(text) > 20000:
        raise LafastError(f"{where}: der Text ist zu lang (höchstens 20 000 Zeichen).")
    return text


def _read_xlsx(data: bytes, path: Path) -> tuple[str, str, list[Row]]:
    zf = safety.open_zip(data)
    safety.check_office_parts(zf)
    if "xl/workbook.xml" not in zf.namelist():
        raise LafastError("Das ist keine Excel-Datei.", path=path)
    wb = open_workbook(
        data,
        path=path,
        hint="Exportieren Sie die Tabelle neu mit „lafast disposition export“.",
    )
    try:
        meta = lafast_properties(wb)
        if meta.get("lafast-format") != SHEET_FORMAT or SHEET not in wb.sheetnames:
            raise LafastError(
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
        raise LafastError(
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
            raise LafastError(exc.message, path=path) from exc
        rows.append(Row(where, None, rid, values))
    return meta.get("lafast-dokument", ""), meta.get("lafast-runde", ""), rows


def _load_yaml(data: bytes, path: Path) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LafastError(
            "Die Datei ist nicht in UTF-8 gespeichert.", path=path, hint="Als UTF-8 speichern."
        ) from exc
    safety.check_yaml_events(text)
    doc = yamlio.load(text, path=path, error=LafastError)
    if not isinstance(doc, dict) or doc.get("format") != SHEET_FORMAT:
        raise LafastError(
            "Das ist keine Abwägungsdatei von lafast (format: " + SHEET_FORMAT + " fehlt).",
            path=path,
            hint="Erzeugen Sie sie mit „lafast disposition export KURZNAME --format yaml“.",
        )
    return doc


def _read_yaml(data: bytes, path: Path) -> tuple[str, str, list[Row]]:
    doc = _load_yaml(data, path)
    items = doc.get("anmerkungen") or []
    if not isinstance(items, list):
        raise LafastError(
            "„anmerkungen“ muss eine Liste sein.",
            path=path,
            line=yamlio.line_of(doc, "anmerkungen"),
        )
    rows = []
    for i, item in enumerate(items, start=1):
        line = yamlio.line_of(item) if isinstance(item, dict) else None
        where = f"Eintrag {i}"
        if not isinstance(item, dict):
            raise LafastError(f"{where} ist kein Eintrag mit „id:“.", path=path, line=line)
        unknown = set(item) - {"id", *YAML_KEYS}
        if unknown:
            raise LafastError(
                f"{where}: unbekannte Angabe „{sorted(map(str, unknown))[0]}“.",
                path=path,
                line=yamlio.line_of(item, sorted(unknown, key=str)[0]),
                hint="Erlaubt sind id, " + ", ".join(YAML_KEYS) + ".",
            )
        try:
            values = {key: _text(item.get(key), f"{where}, {key}") for key in YAML_KEYS}
            rid = _text(item.get("id"), where).upper()
        except LafastError as exc:
            raise LafastError(exc.message, path=path, line=line) from exc
        rows.append(Row(where, line, rid, values))
    return str(doc.get("document") or ""), str(doc.get("round") or ""), rows
