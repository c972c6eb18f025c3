"""Decide, consensus, merge: end to end on a real workspace with a real round."""

from __future__ import annotations

import datetime as dt

import pytest

from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.decisions.consensus import record
from lafast_docs.decisions.disposition import decide, load
from lafast_docs.decisions.merge import literal, merge, plan
from lafast_docs.errors import LafastError
from lafast_docs.outputs.document import render
from lafast_docs.text.drafts import load_draft
from lafast_docs.text.history import model_of

from .conftest import SAMPLE_FS, TODAY, entry, git, lag_confirms, pdf_text
from .intake_files import fill_yaml_form
from .test_docx_layout import assert_unique_ids


def test_decisions_keep_history_and_validate(fs_ws) -> None:
    ws = fs_ws
    [cid] = ws.submit(
        "awo-sachsen", entry(100, "mindestens drei Monaten", "mindestens sechs Monaten")
    )
    with pytest.raises(LafastError, match="Begründung fehlt"):
        decide(ws, cid, "abgelehnt")
    with pytest.raises(LafastError, match="übernommene Formulierung"):
        decide(ws, cid, "teilweise", reason="x")
    with pytest.raises(LafastError, match="gibt es nicht"):
        decide(ws, "XYZ-AB-001", "angenommen")
    decide(ws, cid, "abgelehnt", reason="Drei Monate reichen.")
    decide(ws, cid, "angenommen")
    folder = ws.comments_dir / SAMPLE_FS / "runde-1"
    history = load(folder)[cid]
    assert [d.decision for d in history] == ["abgelehnt", "angenommen"]
    assert history[0].reason == "Drei Monate reichen." and history[0].by.startswith("Test ")
    assert git(ws, "log", "-1", "--format=%s").strip() == f"Abwägung {cid}: angenommen"


def test_merge_needs_consensus_then_applies_with_trailers(fs_ws) -> None:
    ws = fs_ws
    a, b = ws.submit(
        "awo-sachsen",
        entry(100, "mindestens drei Monaten", "mindestens sechs Monaten")
        + entry(110, "sollen deshalb unbefristet", "sollen deshalb grundsätzlich unbefristet"),
    )
    decide(ws, a, "angenommen")
    decide(
        ws,
        b,
        "teilweise",
        text="sollen deshalb in der Regel unbefristet",
        reason="Ausnahme für Projektförderung.",
    )
    p = plan(ws, SAMPLE_FS)
    assert not p.changes and {r.comment_id for r in p.refused} == {a, b}
    assert all("Konsens von lag-fsa-msa fehlt" in r.reason for r in p.refused)
    with pytest.raises(LafastError, match="kein Gremium"):
        record(
            ws, SAMPLE_FS, gremium="awo-sachsen", date=TODAY, participants=["X"], all_accepted=True
        )
    rec = record(
        ws,
        SAMPLE_FS,
        gremium="lag-fsa-msa",
        date=dt.date(2026, 12, 10),
        participants=["Selin Kaya", "Miriam Albers"],
        all_accepted=True,
    )
    assert set(rec.confirms) == {a, b}
    dry = merge(ws, SAMPLE_FS, dry_run=True)
    assert len(dry.changes) == 2 and git(ws, "status", "--porcelain") == ""
    assert "mindestens sechs Monaten" not in (ws.drafts_dir / SAMPLE_FS / "document.md").read_text(
        "utf-8"
    )
    result = merge(ws, SAMPLE_FS)
    assert result.version_from == "0.3" and result.version_to == "0.4"
    text = (ws.drafts_dir / SAMPLE_FS / "document.md").read_text("utf-8")
    assert "mindestens sechs Monaten" in text and "sollen deshalb in der Regel unbefristet" in text
    assert 'version: "0.4"' in text and "# Versionsnummer" in text  # comments kept
    message = git(ws, "log", "-1", "--format=%B")
    assert f"Comment-Id: {a}" in message and f"Comment-Id: {b}" in message
    assert "Consensus: lag-fsa-msa 2026-12-10" in message
    assert git(ws, "status", "--porcelain") == ""
    again = merge(ws, SAMPLE_FS)
    assert not again.changes and not again.refused  # applied ones are known from the trailers


def test_overlap_and_stale_are_refused_the_rest_applied(fs_ws) -> None:
    ws = fs_ws
    ids = ws.submit(
        "awo-sachsen",
        entry(100, "mindestens drei Monaten", "mindestens sechs Monaten")
        + entry(100, "drei Monaten. Dazu", "vier Monaten. Dazu")
        + entry(110, "sollen deshalb unbefristet", "müssen unbefristet")
        + entry(76, "diesen Satz gibt es nicht", "neu"),
    )
    for cid in ids:
        decide(ws, cid, "angenommen")
    lag_confirms(ws, ids)
    # the draft moves on after the round: the text of Rn. 110 is edited by hand
    doc = ws.drafts_dir / SAMPLE_FS / "document.md"
    doc.write_text(
        doc.read_text("utf-8").replace("sollen deshalb unbefristet", "sollen deswegen unbefristet"),
        "utf-8",
    )
    ws.store.commit([doc], "Redaktionelle Änderung")
    result = merge(ws, SAMPLE_FS)
    refused = {r.comment_id: r.reason for r in result.refused}
    assert "überschneidet sich" in refused[ids[0]] and "überschneidet sich" in refused[ids[1]]
    assert "nicht mehr im aktuellen Text" in refused[ids[2]]
    assert "schon in der beratenen Fassung nicht zu finden" in refused[ids[3]]
    assert not result.changes and result.commit == ""
    assert git(ws, "status", "--porcelain") == ""


def test_formatted_text_is_refused_with_the_reason(fs_ws) -> None:
    """„soll bezeichnet den Regelfall“ is „**soll** bezeichnet den Regelfall“ in the source."""
    ws = fs_ws
    rn = next(b.rn for b in ws.blocks if b.text.startswith("soll bezeichnet den Regelfall"))
    [cid] = ws.submit(
        "awo-sachsen", entry(rn, "soll bezeichnet den Regelfall", "soll bezeichnet die Regel")
    )
    decide(ws, cid, "angenommen")
    lag_confirms(ws, [cid])
    [refusal] = plan(ws, SAMPLE_FS).refused
    assert "im Text formatiert (fett, kursiv oder ein Verweis)" in refusal.reason
    assert "von Hand" in refusal.hint


def test_literal_escapes_markup() -> None:
    assert literal("<script>x</script>") == r"\<script\>x\</script\>"
    assert literal("[x](javascript:alert(1))") == r"\[x\](javascript:alert(1))"
    assert literal("Sozialarbeiter*innen *fett*") == r"Sozialarbeiter*innen \*fett\*"


def test_hostile_accepted_proposal_is_plain_text_everywhere(fs_ws) -> None:
    ws = fs_ws
    evil = "<script>alert(1)</script> [x](javascript:alert(1)) ![](/etc/passwd) &amp; **fett**"
    [cid] = ws.submit("caritas-dresden", entry(100, "mindestens drei Monaten", evil))
    decide(ws, cid, "angenommen")
    lag_confirms(ws, [cid])
    assert merge(ws, SAMPLE_FS).changes
    model = model_of(load_draft(ws, SAMPLE_FS))
    assert evil in model.block(100).text  # the words arrive exactly, as text
    out = {o.format: o.path for o in render(ws, SAMPLE_FS)}
    import lxml.html

    dom = lxml.html.fromstring(out["html"].read_bytes())
    assert not dom.xpath("//script") and not dom.xpath("//a[contains(@href, 'javascript')]")
    assert not dom.xpath("//img[contains(@src, 'passwd')]")
    assert not dom.xpath("//div[@id='rn-100']//strong")
    assert evil in " ".join(dom.xpath("//div[@id='rn-100']")[0].text_content().split())
    assert "<script>alert(1)</script>" in " ".join(pdf_text(out["pdf"]).split())
    from docx import Document

    assert any(evil in p.text for p in Document(str(out["docx"])).paragraphs)


def test_redline_between_round_and_merged_version(fs_ws, tmp_path) -> None:
    from lafast_docs.consultation.intake.docx import read_docx
    from lafast_docs.outputs.redline import redline

    ws = fs_ws
    [cid] = ws.submit(
        "awo-sachsen", entry(100, "mindestens drei Monaten", "mindestens sechs Monaten")
    )
    decide(ws, cid, "angenommen")
    lag_confirms(ws, [cid])
    merge(ws, SAMPLE_FS)
    doc = ws.drafts_dir / SAMPLE_FS / "document.md"
    text = doc.read_text("utf-8")
    removed = model_of(load_draft(ws, SAMPLE_FS)).block(20).text
    doc.write_text(text.replace(removed, "").replace("\n\n\n\n", "\n\n"), "utf-8")
    ws.store.commit([doc], "Absatz gestrichen")
    out = {
        o.format: o.path
        for o in redline(
            ws, SAMPLE_FS, f"lafast/{SAMPLE_FS}/runde-1", "HEAD", out_dir=tmp_path / "rl"
        )
    }
    # DOCX: real tracked changes that a Word reader (here: our own intake) steps through
    changes = [c for c in read_docx(out["docx"].read_bytes()).comments if c.proposal]
    assert ("drei", "sechs") in [c.proposal for c in changes]
    assert_unique_ids(out["docx"])  # pandoc numbers w:ins and w:del apart: Word says "damaged"
    assert any(
        old.startswith(removed[:30]) and new == "" for old, new in (c.proposal for c in changes)
    )
    import lxml.html

    dom = lxml.html.fromstring(out["html"].read_bytes())
    assert [e.text for e in dom.xpath("//del")][:1] and "drei" in [
        e.text for e in dom.xpath("//del")
    ]
    assert "sechs" in [e.text for e in dom.xpath("//ins")]
    assert "dreisechs Monaten" in pdf_text(out["pdf"]).replace("\n", " ")


def test_synopse_rows_consent_and_formats(fs_ws, tmp_path) -> None:
    import zipfile

    from openpyxl import load_workbook

    from lafast_docs.outputs.synopse import build_rows, synopse

    ws = fs_ws
    [a] = ws.submit(
        "awo-sachsen",
        entry(100, "mindestens drei Monaten", "mindestens sechs Monaten", "AWO intern"),
    )
    form = (
        ws.comments_dir
        / SAMPLE_FS
        / "runde-1"
        / "formulare"
        / "caritas-dresden"
        / f"{SAMPLE_FS}-runde-1-caritas-dresden.yaml"
    )
    data = fill_yaml_form(
        form,
        '  - rn: 76\n    art: grundsaetzlich\n    anmerkung: "Kinder anders gewichten."\n',
        consent="anonymisiert",
    )
    path = tmp_path / "caritas.yaml"
    path.write_bytes(data)
    [c] = import_files(ws, [path])[0].ids
    decide(ws, a, "angenommen")
    decide(ws, c, "zurueckgestellt", reason="Wird 2027 geprüft.")
    lag_confirms(ws, [a])
    merge(ws, SAMPLE_FS)
    tag = f"lafast/{SAMPLE_FS}/runde-1"
    rows = {r.label: r for r in build_rows(ws, SAMPLE_FS, tag, "HEAD")}
    assert rows["100"].changed and "sechs" in rows["100"].new
    assert rows["100"].comments[0]["who"] == "AWO Landesverband Sachsen e. V."
    assert rows["100"].comments[0]["decision"] == "angenommen"
    assert not rows["76"].changed and rows["76"].comments[0]["who"] == "Träger A"
    assert "Wird 2027 geprüft." in rows["76"].comments[0]["reason"]
    public = {r.label: r for r in build_rows(ws, SAMPLE_FS, tag, "HEAD", public=True)}
    assert public["100"].comments == [] and public["76"].comments[0]["who"] == "Träger A"
    out = {o.format: o.path for o in synopse(ws, SAMPLE_FS, tag, "HEAD", out_dir=tmp_path / "syn")}
    text = " ".join(pdf_text(out["pdf"]).split())
    assert "Bisheriger Text" in text and "Träger A" in text and "Kinder anders gewichten." in text
    assert "migrationsdienste@" not in text  # contact details never appear
    with zipfile.ZipFile(out["docx"]) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "<w:tbl>" in xml and 'w:orient="landscape"' in xml and "Träger A" in xml
    sheet = load_workbook(out["xlsx"])["Synopse"]
    labels = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert "100" in labels and "76" in labels


def test_blame_follows_the_paragraph_through_merge_and_moves(fs_ws) -> None:
    from click.testing import CliRunner

    from lafast_docs.cli import cli
    from lafast_docs.decisions.provenance import trace

    ws = fs_ws
    a, b = ws.submit(
        "awo-sachsen",
        entry(100, "mindestens drei Monaten", "mindestens sechs Monaten")
        + entry(110, "sollen deshalb unbefristet", "müssen unbefristet"),
    )
    [c] = ws.submit("caritas-dresden", entry(100, "", "", text="Gut so."))
    decide(ws, a, "teilweise", text="mindestens vier Monaten", reason="Kompromiss der LAG")
    decide(ws, b, "angenommen")
    decide(ws, c, "kenntnis", reason="Danke.")
    lag_confirms(ws, [a, b])
    merge(ws, SAMPLE_FS)
    # a new paragraph before Rn. 100 shifts it to Rn. 101
    doc = ws.drafts_dir / SAMPLE_FS / "document.md"
    old_100 = ws.blocks[99].text
    first_words = " ".join(old_100.split()[:4])
    text = doc.read_text("utf-8")
    at = text.index(first_words)
    doc.write_text(text[:at] + "Ein neuer Absatz davor.\n\n" + text[at:], "utf-8")
    ws.store.commit([doc], "Absatz ergänzt")

    t = trace(ws, SAMPLE_FS, 101)
    assert "mindestens vier Monaten" in t.block.text
    kinds = [e.kind for e in t.events]
    assert kinds == ["geaendert", "angelegt"]
    merged = t.events[0]
    assert merged.comment_ids == [a]  # b changed another paragraph
    assert ("-", "drei") in merged.words and ("+", "vier") in merged.words
    by_id = {x.id: x for x in t.comments}
    assert set(by_id) == {a, c}
    assert by_id[a].decisions[-1].decision == "teilweise"
    assert by_id[a].consensus == ["lag-fsa-msa am 10.12.2026"]
    assert by_id[a].merged_in == merged.sha[:10]
    assert by_id[c].merged_in == "" and by_id[c].rn == 100

    new_para = trace(ws, SAMPLE_FS, 100)
    assert [e.kind for e in new_para.events] == ["eingefuegt"] and not new_para.comments

    res = CliRunner().invoke(cli, ["-w", str(ws.root), "blame", SAMPLE_FS, "--rn", "101"])
    assert res.exit_code == 0, res.output
    assert f"umgesetzt: {a}" in res.output and "Konsens: lag-fsa-msa am 10.12.2026" in res.output
    assert "teilweise angenommen – Kompromiss der LAG" in res.output
    res = CliRunner().invoke(cli, ["-w", str(ws.root), "blame", SAMPLE_FS, "--rn", "9999"])
    assert "Randnummer 9999" in str(res.exception)
