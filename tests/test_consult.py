"""Consultation rounds: open (tag, state, forms), status, close."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from lafast_docs.consultation.rounds import close_round, list_rounds, open_round, round_status
from lafast_docs.errors import LafastError
from lafast_docs.text.drafts import load_draft

from .conftest import SAMPLE_SN, copy_samples, git

TODAY = dt.date(2026, 11, 21)
DEADLINE = dt.date(2026, 12, 15)


@pytest.fixture
def sn_ws(ws):
    return copy_samples(ws, SAMPLE_SN)


def test_open_round_freezes_version_and_writes_forms(sn_ws) -> None:
    ws = sn_ws
    rnd = open_round(
        ws, SAMPLE_SN, deadline=DEADLINE, invite=["alle-gremien", "awo-sachsen"], today=TODAY
    )
    assert rnd.id == "runde-1" and rnd.version == "0.2"
    assert set(rnd.invitees) == {"lag-fsa-msa", "liga-ak-migration", "awo-sachsen"}
    assert git(ws, "rev-parse", f"{rnd.tag}^{{commit}}").strip() == rnd.commit
    assert git(ws, "status", "--porcelain") == ""
    assert load_draft(ws, SAMPLE_SN).state == "konsultation"
    assert [r.id for r in list_rounds(ws, SAMPLE_SN)] == ["runde-1"]
    form_dir = rnd.folder / "formulare" / "awo-sachsen"
    docx = form_dir / f"{SAMPLE_SN}-runde-1-awo-sachsen.docx"
    with zipfile.ZipFile(docx) as z:
        custom = z.read("docProps/custom.xml").decode()
        document = z.read("word/document.xml").decode()
    for key, value in (
        ("lafast-dokument", SAMPLE_SN),
        ("lafast-runde", "runde-1"),
        ("lafast-eingeladen", "awo-sachsen"),
        ("lafast-version", "0.2"),
    ):
        assert key in custom and f">{value}<" in custom
    assert "Änderungen nachverfolgen" in document and 'w:type="page"' in document
    assert 'w:val="Randnummer"' in document


def test_xlsx_form_has_protected_header_dropdown_and_rn_validation(sn_ws) -> None:
    from openpyxl import load_workbook

    rnd = open_round(sn_ws, SAMPLE_SN, deadline=DEADLINE, invite=["awo-sachsen"], today=TODAY)
    path = rnd.folder / "formulare" / "awo-sachsen" / f"{SAMPLE_SN}-runde-1-awo-sachsen.xlsx"
    wb = load_workbook(path)
    sheet = wb["Anmerkungen"]
    assert [c.value for c in sheet[1]] == [
        "Rn.",
        "Abschnitt",
        "Art",
        "Anmerkung",
        "Änderungsvorschlag",
        "Begründung",
        "Zitat",
    ]
    assert sheet.protection.sheet is True
    assert sheet["A1"].protection.locked is True and sheet["D2"].protection.locked is False
    rules = {str(dv.sqref): dv for dv in sheet.data_validations.dataValidation}
    assert rules["C2:C301"].type == "list"
    assert "grundsätzlich" in rules["C2:C301"].formula1
    n_blocks = wb["Text"].max_row - 1
    assert rules["A2:A301"].type == "whole" and rules["A2:A301"].formula2 == str(n_blocks)
    props = {p.name: p.value for p in wb.custom_doc_props}
    assert props["lafast-eingeladen"] == "awo-sachsen"


def test_open_refuses_unsaved_unknown_past_and_second_open(sn_ws) -> None:
    ws = sn_ws
    with pytest.raises(LafastError, match="Nicht im Adressbuch: gibtsnicht"):
        open_round(ws, SAMPLE_SN, deadline=DEADLINE, invite=["gibtsnicht"], today=TODAY)
    with pytest.raises(LafastError, match="in der Vergangenheit"):
        open_round(ws, SAMPLE_SN, deadline=dt.date(2020, 1, 1), invite=["awo-sachsen"], today=TODAY)
    doc = ws.drafts_dir / SAMPLE_SN / "document.md"
    doc.write_text(doc.read_text("utf-8") + "\nNachtrag.\n", encoding="utf-8")
    with pytest.raises(LafastError, match="ungespeicherte Änderungen"):
        open_round(ws, SAMPLE_SN, deadline=DEADLINE, invite=["awo-sachsen"], today=TODAY)
    git(ws, "checkout", "--", str(doc))
    open_round(ws, SAMPLE_SN, deadline=DEADLINE, invite=["awo-sachsen"], today=TODAY)
    with pytest.raises(LafastError, match="noch offen"):
        open_round(ws, SAMPLE_SN, deadline=DEADLINE, invite=["awo-sachsen"], today=TODAY)
    assert list(ws.comments_dir.glob("*/runde-2")) == []


def test_status_overdue_and_close(sn_ws) -> None:
    ws = sn_ws
    open_round(ws, SAMPLE_SN, deadline=DEADLINE, invite=["awo-sachsen", "lag-fsa-msa"], today=TODAY)
    _rnd, rows, overdue = round_status(ws, SAMPLE_SN, today=TODAY)
    assert not overdue and [r.answered for r in rows] == [False, False]
    _rnd, _rows, overdue = round_status(ws, SAMPLE_SN, today=dt.date(2027, 1, 1))
    assert overdue
    closed = close_round(ws, SAMPLE_SN, today=dt.date(2026, 12, 20))
    assert closed.closed == dt.date(2026, 12, 20)
    assert load_draft(ws, SAMPLE_SN).state == "abstimmung"
    assert list_rounds(ws, SAMPLE_SN)[0].closed == dt.date(2026, 12, 20)
    with pytest.raises(LafastError, match="keine Beteiligungsrunde offen"):
        close_round(ws, SAMPLE_SN)
    second = open_round(ws, SAMPLE_SN, deadline=DEADLINE, invite=["awo-sachsen"], today=TODAY)
    assert second.id == "runde-2" and second.tag.endswith("runde-2")


def test_failure_while_writing_forms_leaves_nothing_behind(sn_ws, monkeypatch) -> None:
    from lafast_docs.consultation import forms

    ws = sn_ws
    before = (ws.drafts_dir / SAMPLE_SN / "document.md").read_bytes()

    def broken(*_args, **_kwargs):
        raise OSError("Datenträger voll")

    monkeypatch.setattr(forms, "xlsx_form_bytes", broken)
    with pytest.raises(OSError):
        open_round(ws, SAMPLE_SN, deadline=DEADLINE, invite=["awo-sachsen"], today=TODAY)
    assert (ws.drafts_dir / SAMPLE_SN / "document.md").read_bytes() == before
    assert not (ws.comments_dir / SAMPLE_SN / "runde-1").exists()
    assert git(ws, "status", "--porcelain") == "" and git(ws, "tag") == ""
    monkeypatch.undo()
    assert (
        open_round(ws, SAMPLE_SN, deadline=DEADLINE, invite=["awo-sachsen"], today=TODAY).id
        == "runde-1"
    )
