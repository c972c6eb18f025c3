"""The disposition sheet for meetings: `lafast disposition export` writes every comment of a
round with its current decision as an XLSX table (drop-down for the decision) or a commented
YAML file; staff fill in decisions, in the meeting or after it; `lafast disposition import`
reads the sheet back (sheetimport.py).

Exporting YAML onto an earlier export of the same round updates it in place: the staff's own
`#` notes and the order of entries stay.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.model import KIND_NAMES
from lafast_docs.consultation.rounds import find_round
from lafast_docs.consultation.submissions import Stored, list_submissions
from lafast_docs.decisions import disposition
from lafast_docs.errors import LafastError, SheetError
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
    save_workbook,
)
from lafast_docs.storage import yamlio
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace import Workspace

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
        raise SheetError(f"Unbekanntes Format „{fmt}“.", hint="Möglich: xlsx oder yaml.")
    folder, rows = entries(ws, slug, round_id)
    if not rows:
        raise SheetError(
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
        data = load_yaml(target.read_bytes(), target)
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
            error=SheetError,
        )
        items.extend(added["anmerkungen"])
    return yamlio.dump(data)


def load_yaml(data: bytes, path: Path) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError(
            "Die Datei ist nicht in UTF-8 gespeichert.", path=path, hint="Als UTF-8 speichern."
        ) from exc
    safety.check_yaml_events(text)
    doc = yamlio.load(text, path=path, error=SheetError)
    if not isinstance(doc, dict) or doc.get("format") != SHEET_FORMAT:
        raise SheetError(
            "Das ist keine Abwägungsdatei von lafast (format: " + SHEET_FORMAT + " fehlt).",
            path=path,
            hint="Erzeugen Sie sie mit „lafast disposition export KURZNAME --format yaml“.",
        )
    return doc
