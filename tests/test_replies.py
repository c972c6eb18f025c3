"""Answers to commenters: one letter per organisation, every comment with its decision."""

from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner

from lafast_docs.cli import cli
from lafast_docs.decisions.disposition import decide
from lafast_docs.errors import LafastError
from lafast_docs.outputs.replies import reply

from .conftest import SAMPLE_FS, assert_pdf_ua1, entry, pdf_text

HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1)) **fett** &amp;"


@pytest.fixture
def answered(fs_ws):
    ws = fs_ws
    awo = ws.submit(
        "awo-sachsen",
        entry(100, "mindestens drei Monaten", "mindestens sechs Monaten")
        + entry(12, "", "", text=HOSTILE)
        + entry(13, "", "", text="Bitte Beispiele ergänzen."),
    )
    caritas = ws.submit("caritas-dresden", entry(100, "mindestens drei Monaten", "sechs Monaten"))
    decide(ws, awo[0], "teilweise", text="mindestens vier Monaten", reason="Kompromiss der LAG")
    decide(ws, awo[1], "abgelehnt", reason="Kein inhaltlicher Vorschlag.")
    decide(ws, caritas[0], "doppelung", duplicate_of=awo[0], reason="Gleicher Punkt.")
    ws.ids = awo + caritas  # type: ignore[attr-defined]
    return ws


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_one_letter_per_organisation_with_every_comment(answered, tmp_path) -> None:
    ws = answered
    a0, a1, a2, c0 = ws.ids
    replies = reply(ws, SAMPLE_FS, out_dir=tmp_path / "antworten")
    assert [r.org for r in replies] == ["awo-sachsen", "caritas-dresden"]
    awo = replies[0]
    assert [x.id for x in awo.lines] == [a0, a1, a2] and awo.open == 1
    out = {o.format: o.path for o in awo.outputs}
    assert out["pdf"].name == f"antwort-{SAMPLE_FS}-runde-1-awo-sachsen.pdf"

    text = _flat(pdf_text(out["pdf"]))
    assert "AWO Landesverband Sachsen e. V." in text and "Katrin Weber" in text
    for cid in (a0, a1, a2):
        assert cid in text.replace(" ", "") or cid in text
    assert "teilweise angenommen" in text and "Kompromiss der LAG" in text
    assert "Übernommen wird: „mindestens vier Monaten“" in text
    assert "abgelehnt" in text and "Kein inhaltlicher Vorschlag." in text
    assert "noch offen" in text and "Über 1 Anmerkung(en) ist noch nicht entschieden" in text
    # literal (the column may wrap the tag: compare without spaces)
    assert "<script>alert(1)</script>" in text.replace(" ", "") and "**fett**" in text
    assert c0 not in text  # another organisation's comment is not in this letter

    from docx import Document

    doc = Document(str(out["docx"]))
    [table] = doc.tables
    assert [c.text for c in table.rows[0].cells] == [
        "Kennung",
        "Rn.",
        "Ihre Anmerkung",
        "Entscheidung",
        "Begründung",
    ]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows[a1][2] == HOSTILE and rows[a1][3] == "abgelehnt"
    assert rows[a2][3] == "noch offen"
    xml = zipfile.ZipFile(out["docx"]).read("word/document.xml").decode()
    assert "<w:hyperlink" not in xml and "javascript" in xml  # text only, no link

    caritas = {o.format: o.path for o in replies[1].outputs}
    ctext = _flat(pdf_text(caritas["pdf"]))
    assert f"Doppelung {a0}" in ctext and "Gleicher Punkt." in ctext


def test_cli_reply_to_one_organisation(answered) -> None:
    ws = answered
    res = CliRunner().invoke(
        cli, ["-w", str(ws.root), "comments", "reply", SAMPLE_FS, "--to", "caritas-dresden"]
    )
    assert res.exit_code == 0, res.output
    assert "caritas-dresden: 1 Anmerkung(en)" in res.output and "awo" not in res.output
    folder = ws.build_dir / SAMPLE_FS / "antworten-runde-1"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"antwort-{SAMPLE_FS}-runde-1-caritas-dresden.docx",
        f"antwort-{SAMPLE_FS}-runde-1-caritas-dresden.pdf",
    ]
    with pytest.raises(LafastError, match="Von „drk-sachsen“ gibt es in runde-1 keine"):
        reply(ws, SAMPLE_FS, to="drk-sachsen")


@pytest.mark.slow
def test_reply_synopse_and_redline_pdfs_pass_pdf_ua1(answered, tmp_path) -> None:
    from lafast_docs.outputs.redline import redline
    from lafast_docs.outputs.synopse import synopse

    ws = answered
    [r] = reply(ws, SAMPLE_FS, to="awo-sachsen", formats=("pdf",), out_dir=tmp_path)
    assert_pdf_ua1(r.outputs[0].path)
    tag = f"lafast/{SAMPLE_FS}/runde-1"
    [syn] = synopse(ws, SAMPLE_FS, tag, "HEAD", formats=("pdf",), out_dir=tmp_path)
    assert_pdf_ua1(syn.path)
    draft = ws.drafts_dir / SAMPLE_FS / "document.md"
    draft.write_text(draft.read_text("utf-8").replace("drei Monaten", "vier Monaten"), "utf-8")
    [red] = redline(ws, SAMPLE_FS, tag, "arbeitskopie", formats=("pdf",), out_dir=tmp_path)
    assert_pdf_ua1(red.path)


def test_reply_id_column_holds_the_whole_id(answered, tmp_path) -> None:
    """The id stands whole in its column, apart from the Rn. ("AWO-SZND-001" ran into it)."""
    import re
    import subprocess

    from tests.checkers import tool

    awo = reply(answered, SAMPLE_FS, to="awo-sachsen", out_dir=tmp_path)[0]
    pdf = next(o.path for o in awo.outputs if o.format == "pdf")
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True
    ).stdout
    for line in awo.lines:
        assert re.search(rf"^\s*{re.escape(line.id)}\s+{re.escape(line.rn)}\s", text, re.M), line.id


def test_letters_made_on_all_cores_read_as_the_sequential_ones(answered, tmp_path, monkeypatch):
    """One WeasyPrint set-up for several letters, letters and formats in parallel: the same
    letters, word for word, as one after the other (issue #20)."""
    made = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("LAFAST_WORKERS", workers)
        made[workers] = reply(answered, SAMPLE_FS, out_dir=tmp_path / workers)
    for one, two in zip(made["1"], made["2"], strict=True):
        for a, b in zip(one.outputs, two.outputs, strict=True):
            assert a.path.name == b.path.name
            if a.format == "pdf":
                assert pdf_text(a.path) == pdf_text(b.path)
            else:
                with zipfile.ZipFile(a.path) as za, zipfile.ZipFile(b.path) as zb:
                    assert za.read("word/document.xml") == zb.read("word/document.xml")
    assert sorted(p.name for p in (tmp_path / "2").iterdir()) == sorted(
        p.name for p in (tmp_path / "1").iterdir()
    )
