"""The disposition sheet: export, fill in (openpyxl, LibreOffice, a text editor), import back."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.cli import cli
from lafast_docs.decisions.disposition import decide, load
from lafast_docs.decisions.sheet import export
from lafast_docs.decisions.sheetimport import import_sheet
from lafast_docs.errors import LafastError

from .conftest import SAMPLE_FS, entry, git, libreoffice_convert


@pytest.fixture
def three(fs_ws):
    """Three comments from two organisations; the first one already decided on the CLI."""
    ws = fs_ws
    ids = ws.submit(
        "awo-sachsen",
        entry(100, "mindestens drei Monaten", "mindestens sechs Monaten")
        + entry(12, "", "", text="Grundsätzlich gut."),
    )
    ids += ws.submit("caritas-dresden", entry(100, "mindestens drei Monaten", "sechs Monaten"))
    decide(ws, ids[0], "abgelehnt", reason="Erst nach der Evaluation.")
    ws.ids = ids  # type: ignore[attr-defined]
    return ws


def _sheet(path: Path):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return wb, wb["Abwägung"]


def _col(sheet, header: str) -> int:
    return [c.value for c in sheet[1]].index(header) + 1


def _row(sheet, cid: str) -> int:
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == cid)


def _dropdowns(sheet) -> dict[str, str]:
    """Ranges with a list validation -> the list (LibreOffice may rewrite the ranges)."""
    return {
        str(dv.sqref): dv.formula1
        for dv in sheet.data_validations.dataValidation
        if dv.type == "list"
    }


def test_xlsx_round_trip_through_libreoffice(three, tmp_path) -> None:
    ws, (a1, _a2, c1) = three, three.ids
    path, n = export(ws, SAMPLE_FS, fmt="xlsx", target=tmp_path / "sitzung.xlsx")
    assert n == 3
    wb, sheet = _sheet(path)
    ent, reason, dup = (
        _col(sheet, "Entscheidung"),
        _col(sheet, "Begründung der Abwägung"),
        _col(sheet, "Doppelung von"),
    )
    # the earlier decision is filled in, the comment's text is there, only decisions editable
    assert sheet.cell(_row(sheet, a1), ent).value == "abgelehnt"
    assert sheet.cell(_row(sheet, a1), reason).value == "Erst nach der Evaluation."
    assert "Grundsätzlich gut." in [sheet.cell(r, 6).value for r in range(2, 5)]
    assert sheet.protection.sheet
    assert sheet.cell(2, 1).protection.locked and not sheet.cell(2, ent).protection.locked
    lists = _dropdowns(sheet)
    assert any("teilweise angenommen" in f for f in lists.values())

    # staff fill in the sheet (openpyxl), then it is opened and saved again by LibreOffice
    sheet.cell(_row(sheet, a1), ent).value = "angenommen"
    sheet.cell(_row(sheet, a1), reason).value = "Nach Beratung in der LAG doch übernommen."
    sheet.cell(_row(sheet, c1), ent).value = "Doppelung"
    sheet.cell(_row(sheet, c1), dup).value = a1.lower()
    sheet.cell(_row(sheet, c1), reason).value = "Gleicher Punkt wie die AWO."
    wb.save(path)
    saved = libreoffice_convert(path, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    assert any("teilweise angenommen" in f for f in _dropdowns(_sheet(saved)[1]).values())

    before = git(ws, "rev-list", "--count", "HEAD")
    result = import_sheet(ws, saved)
    assert [d.comment_id for d in result.recorded] == sorted([a1, c1], key=[a1, c1].index)
    assert (result.unchanged, result.open) == (0, 1)
    assert int(git(ws, "rev-list", "--count", "HEAD")) == int(before) + 1
    history = load(ws.comments_dir / SAMPLE_FS / "runde-1")
    assert [d.decision for d in history[a1]] == ["abgelehnt", "angenommen"]  # history kept
    assert history[c1][-1].duplicate_of == a1
    assert history[c1][-1].via.startswith("sitzung.xlsx, Zeile ")
    assert git(ws, "status", "--porcelain") == ""

    # the same sheet again records nothing; a new export still has its drop-downs
    again = import_sheet(ws, saved)
    assert (len(again.recorded), again.unchanged) == (0, 2)
    path2, _ = export(ws, SAMPLE_FS, fmt="xlsx", target=tmp_path / "danach.xlsx")
    _wb2, sheet2 = _sheet(path2)
    assert sheet2.cell(_row(sheet2, c1), _col(sheet2, "Entscheidung")).value == "Doppelung"
    assert _dropdowns(sheet2)


def test_yaml_round_trip_keeps_staff_notes(three, tmp_path) -> None:
    ws, (_a1, a2, c1) = three, three.ids
    runner = CliRunner()
    target = tmp_path / "sitzung.yaml"
    res = runner.invoke(
        cli,
        ["-w", str(ws.root), "disposition", "export", SAMPLE_FS, "-f", "yaml", "-o", str(target)],
    )
    assert res.exit_code == 0, res.output
    text = target.read_text("utf-8")
    assert "# Rn. 12" in text and "Grundsätzlich gut." in text
    # a person edits the file in a text editor: a note of their own and two decisions
    text = text.replace(
        f"  - id: {a2}\n",
        f"  - id: {a2}\n    # Notiz Petzold: in der Sitzung am 3.12. kurz besprechen\n",
    )
    lines = text.splitlines()
    start = lines.index(f"  - id: {a2}")
    for i in range(start, start + 12):
        if lines[i].startswith("    entscheidung:"):
            lines[i] = '    entscheidung: "zur Kenntnis genommen"'
        if lines[i].startswith("    begruendung:"):
            lines[i] = '    begruendung: "Wird in der Einleitung aufgegriffen."'
            break
    target.write_text("\n".join(lines) + "\n", "utf-8")

    res = runner.invoke(cli, ["-w", str(ws.root), "disposition", "import", str(target)])
    assert res.exit_code == 0, res.output
    assert "1 Entscheidung(en) gespeichert, 1 unverändert, 1 noch offen" in res.output
    assert load(ws.comments_dir / SAMPLE_FS / "runde-1")[a2][-1].decision == "kenntnis"

    # a decision made later on the CLI; exporting into the same file keeps the note
    decide(ws, c1, "teilweise", text="sechs Monate", reason="Kompromiss")
    res = runner.invoke(
        cli,
        ["-w", str(ws.root), "disposition", "export", SAMPLE_FS, "-f", "yaml", "-o", str(target)],
    )
    assert res.exit_code == 0, res.output
    text = target.read_text("utf-8")
    assert "# Notiz Petzold: in der Sitzung am 3.12. kurz besprechen" in text
    assert "sechs Monate" in text and "Kompromiss" in text
    assert import_sheet(ws, target).recorded == []


def test_bad_rows_are_all_reported_and_nothing_is_stored(three, tmp_path) -> None:
    ws, (a1, a2, c1) = three, three.ids
    path, _ = export(ws, SAMPLE_FS, fmt="xlsx", target=tmp_path / "t.xlsx")
    wb, sheet = _sheet(path)
    ent, reason = _col(sheet, "Entscheidung"), _col(sheet, "Begründung der Abwägung")
    sheet.cell(_row(sheet, a2), ent).value = "vielleicht"
    sheet.cell(_row(sheet, c1), ent).value = "abgelehnt"  # no reason
    sheet.cell(_row(sheet, a1), reason).value = "Doch angenommen."
    sheet.cell(_row(sheet, a1), ent).value = "angenommen"
    sheet.protection.sheet = False
    sheet.cell(sheet.max_row + 1, 1).value = "XYZ-AB-999"
    sheet.cell(sheet.max_row, ent).value = "angenommen"
    wb.save(path)
    before = (ws.comments_dir / SAMPLE_FS / "runde-1" / "abwaegung.yaml").read_bytes()
    head = git(ws, "rev-parse", "HEAD")
    with pytest.raises(LafastError) as err:
        import_sheet(ws, path)
    msg = err.value.render()
    assert "3 Fehler; nichts wurde übernommen" in msg
    assert "„vielleicht“" in msg and "Begründung fehlt" in msg and "„XYZ-AB-999“" in msg
    assert "Zeile 3" in msg or "Zeile 4" in msg
    assert (ws.comments_dir / SAMPLE_FS / "runde-1" / "abwaegung.yaml").read_bytes() == before
    assert git(ws, "rev-parse", "HEAD") == head

    # YAML: unknown keys and a wrong document are refused with the line
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"format: lafast-abwaegung-tabelle/1\ndocument: {SAMPLE_FS}\nround: runde-1\n"
        f"anmerkungen:\n  - id: {a1}\n    entscheidung: angenommen\n    farbe: rot\n",
        "utf-8",
    )
    with pytest.raises(LafastError, match="unbekannte Angabe „farbe“") as err:
        import_sheet(ws, bad)
    assert err.value.line == 7
    bad.write_text(
        "format: lafast-abwaegung-tabelle/1\ndocument: ../../etc\n"
        "round: runde-1\nanmerkungen: []\n",
        "utf-8",
    )
    with pytest.raises(LafastError, match="Dokument und Runde"):
        import_sheet(ws, bad)
    # a comment form from a Träger is not a disposition sheet
    form = next((ws.comments_dir / SAMPLE_FS / "runde-1" / "formulare").rglob("*.xlsx"))
    with pytest.raises(LafastError, match="keine Abwägungstabelle"):
        import_sheet(ws, form)
