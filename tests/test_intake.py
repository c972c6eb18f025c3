"""Comment intake from real files: YAML, XLSX, CSV, DOCX (python-docx and LibreOffice), e-mail."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.intake.registry import READERS
from lafast_docs.consultation.model import schema
from lafast_docs.consultation.rounds import open_round
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.text.drafts import load_draft
from lafast_docs.text.history import model_of

from .conftest import SAMPLE_SN, copy_samples, git, libreoffice_convert
from .intake_files import docx_with_changes, eml_with, fill_xlsx_form, fill_yaml_form

DEADLINE = dt.date(2026, 12, 15)


@pytest.fixture
def rnd_ws(ws):
    ws = copy_samples(ws, SAMPLE_SN)
    rnd = open_round(
        ws,
        SAMPLE_SN,
        deadline=DEADLINE,
        invite=["awo-sachsen", "lag-fsa-msa", "caritas-dresden"],
        today=dt.date(2026, 11, 21),
    )
    ws.rnd = rnd  # type: ignore[attr-defined]
    ws.blocks = model_of(load_draft(ws, SAMPLE_SN)).blocks  # type: ignore[attr-defined]
    return ws


def form(ws, org: str, ext: str) -> Path:
    return ws.rnd.folder / "formulare" / org / f"{SAMPLE_SN}-runde-1-{org}.{ext}"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def words(text: str, start: int, n: int) -> str:
    return " ".join(text.split()[start : start + n])


def test_yaml_import_anchors_and_keeps_original(rnd_ws, tmp_path) -> None:
    ws = rnd_ws
    b = ws.blocks[4]
    quote = words(b.text, 2, 4)
    entries = (
        f'  - rn: {b.rn}\n    art: grundsaetzlich\n    zitat: "{quote}"\n'
        '    anmerkung: "Bitte schärfer fassen."\n'
        '    aenderungsvorschlag: "deutlich schärfer"\n'
        '    begruendung: "Sozialarbeiter*innen und Erzieher*innen brauchen Klarheit."\n'
        '  - rn: 999\n    anmerkung: "Gibt es nicht."\n'
        '  - anmerkung: "Allgemein: gut."\n'
    )
    data = fill_yaml_form(form(ws, "awo-sachsen", "yaml"), entries, consent="anonymisiert")
    res = import_files(ws, [write(tmp_path, "awo.yaml", data)])
    assert [r.status for r in res] == ["importiert"]
    assert res[0].ids == ["AWO-SVU-001", "AWO-SVU-002", "AWO-SVU-003"]
    assert res[0].stale == ["AWO-SVU-002"]
    sub = list_submissions(ws.rnd.folder)[0]
    assert sub.data["consent"] == "anonymisiert" and sub.org == "awo-sachsen"
    first = sub.comments[0]
    assert first["anchor"]["state"] == "exakt" and first["anchor"]["rn"] == b.rn
    assert first["anchor"]["exact"] == quote and first["anchor"]["commit"] == ws.rnd.commit
    assert first["proposal"] == {"old": quote, "new": "deutlich schärfer"}
    assert "Erzieher*innen" in first["rationale"]
    assert sub.comments[2]["anchor"]["state"] == "ohne"
    original = ws.rnd.folder / sub.data["source"]["file"]
    assert original.read_bytes() == data
    assert git(ws, "status", "--porcelain") == ""
    # the same file again: no-op that says so
    again = import_files(ws, [write(tmp_path, "nochmal.yaml", data)])
    assert again[0].status == "bereits importiert"
    assert len(list_submissions(ws.rnd.folder)) == 1
    # a second, different submission of the same organisation is stored beside the first
    other = fill_yaml_form(
        form(ws, "awo-sachsen", "yaml"), '  - rn: 1\n    anmerkung: "Nachtrag."\n'
    )
    res2 = import_files(ws, [write(tmp_path, "awo2.yaml", other)])
    assert res2[0].ids == ["AWO-SVU-004"]
    assert sorted(p.name for p in ws.rnd.folder.glob("awo-sachsen-*.yaml")) == [
        "awo-sachsen-1.yaml",
        "awo-sachsen-2.yaml",
    ]


def test_xlsx_form_import_and_row_errors(rnd_ws, tmp_path) -> None:
    ws = rnd_ws
    b = ws.blocks[2]
    good = fill_xlsx_form(
        form(ws, "lag-fsa-msa", "xlsx"),
        [
            [b.rn, b.section_number, "inhaltlich", "Zu unbestimmt.", "", "Weil."],
            [None, None, None, None, None, None],
            [b.rn + 1, "", "redaktionell", "", "Neuer Satz.", ""],
        ],
    )
    res = import_files(ws, [write(tmp_path, "lag.xlsx", good)])
    assert res[0].status == "importiert" and res[0].ids == ["LAG-SVU-001", "LAG-SVU-002"]
    sub = next(s for s in list_submissions(ws.rnd.folder) if s.org == "lag-fsa-msa")
    assert sub.comments[0]["anchor"] == {
        "commit": ws.rnd.commit,
        "rn": b.rn,
        "section": b.section_number,
        "state": "randnummer",
    }
    assert sub.comments[1]["kind"] == "redaktionell"
    bad = fill_xlsx_form(
        form(ws, "lag-fsa-msa", "xlsx"),
        [
            ["zwölf", "", "wichtig", "Text", "", ""],
            [3, "", "inhaltlich", "", "", "nur Begründung"],
        ],
    )
    res = import_files(ws, [write(tmp_path, "lag-kaputt.xlsx", bad)])
    assert res[0].status == "abgelehnt"
    msg = res[0].message
    assert "Zeile 2, Spalte Rn.: „zwölf“ ist keine Randnummer" in msg
    assert "Zeile 2, Spalte Art: „wichtig“ ist nicht erlaubt" in msg
    assert "Zeile 3: weder Anmerkung noch Änderungsvorschlag" in msg
    assert len([s for s in list_submissions(ws.rnd.folder) if s.org == "lag-fsa-msa"]) == 1
    assert list((ws.rnd.folder / "quarantaene").glob("*.txt"))


def test_csv_needs_submitter_then_imports(rnd_ws, tmp_path) -> None:
    ws = rnd_ws
    csv_text = (
        "Rn.;Abschnitt;Art;Anmerkung;Änderungsvorschlag;Begründung\n"
        "2;;inhaltlich;Aus Sicht der Caritas fehlt die Finanzierung.;;\n"
    )
    path = write(tmp_path, "caritas.csv", csv_text.encode("cp1252"))
    res = import_files(ws, [path])
    assert res[0].status == "fehler" and "sagt nicht, von wem" in res[0].message
    assert "--from" in res[0].notes[0]
    res = import_files(ws, [path], from_org="caritas-dresden")
    assert res[0].status == "importiert" and res[0].ids == ["CARITAS-SVU-001"]


def test_docx_comments_and_tracked_changes_become_proposals(rnd_ws, tmp_path) -> None:
    ws = rnd_ws
    target = ws.blocks[5]
    commented = words(target.text, 1, 3)
    everything = " ".join(b.text for b in ws.blocks)
    replaced = next(
        w
        for w in sorted(ws.blocks[6].text.rstrip(".").split(), key=len, reverse=True)
        if everything.count(w) == 1
    )  # a word that occurs only here
    data = docx_with_changes(
        form(ws, "awo-sachsen", "docx"),
        comment_on=commented,
        comment="redaktionell: Bitte präziser.",
        replace=(replaced, "ERSATZWORT"),
        reply="Sehe ich auch so.",
    )
    res = import_files(ws, [write(tmp_path, "AWO Rückmeldung.docx", data)])
    assert res[0].status == "importiert", res[0].message
    sub = list_submissions(ws.rnd.folder)[0]
    assert sub.org == "awo-sachsen"  # from the form's custom properties, no --from needed
    by_origin = {c["origin"]: c for c in sub.comments}
    by_text = {c["text"]: c for c in sub.comments}
    comment = by_text["Bitte präziser."]
    assert comment["kind"] == "redaktionell" and comment["origin"] == "Word, Kommentar"
    assert comment["author"] == "Katrin Weber"
    assert comment["anchor"]["exact"] == commented and comment["anchor"]["rn"] == target.rn
    assert comment["anchor"]["state"] == "exakt"
    # python-docx writes no reply thread: the second comment is kept as a comment of its own
    assert by_text["Sehe ich auch so."]["author"] == "Thomas Richter"
    assert len(sub.comments) == 3
    change = by_origin["Word, nachverfolgte Änderung (Ersetzung)"]
    assert change["proposal"] == {"old": replaced, "new": "ERSATZWORT"}
    assert change["anchor"]["rn"] == ws.blocks[6].rn
    # nothing was applied to the draft
    assert "ERSATZWORT" not in (ws.drafts_dir / SAMPLE_SN / "document.md").read_text("utf-8")


def test_eml_sender_becomes_contact_and_each_attachment_imported(rnd_ws, tmp_path) -> None:
    ws = rnd_ws
    yaml_data = fill_yaml_form(
        form(ws, "awo-sachsen", "yaml"), '  - rn: 1\n    anmerkung: "Per Mail."\n'
    )
    xlsx_data = fill_xlsx_form(
        form(ws, "lag-fsa-msa", "xlsx"), [[2, "", "inhaltlich", "Aus der LAG.", "", ""]]
    )
    mail = eml_with({"awo.yaml": yaml_data, "lag.xlsx": xlsx_data, "bild.png": b"\x89PNG"})
    res = import_files(ws, [write(tmp_path, "rueckmeldung.eml", mail)])
    assert [r.status for r in res] == ["importiert", "importiert"]
    subs = {s.org: s for s in list_submissions(ws.rnd.folder)}
    assert subs["awo-sachsen"].data["contact"]["email"] == "k.weber@awo.example.org"
    assert "E-Mail von k.weber@awo.example.org" in subs["awo-sachsen"].data["source"]["via"]
    assert list((ws.rnd.folder / "originale").glob("*-mail-*.eml"))
    assert git(ws, "status", "--porcelain") == ""


def test_ten_files_one_broken(rnd_ws, tmp_path) -> None:
    ws = rnd_ws
    paths = []
    for i in range(9):
        data = fill_yaml_form(
            form(ws, "awo-sachsen", "yaml"), f'  - rn: {i + 1}\n    anmerkung: "Nummer {i}."\n'
        )
        paths.append(write(tmp_path, f"awo-{i}.yaml", data))
    paths.insert(4, write(tmp_path, "kaputt.docx", b"PK\x03\x04 kein zip"))
    res = import_files(ws, paths)
    assert [r.status for r in res].count("importiert") == 9
    assert res[4].status == "abgelehnt" and "beschädigt" in res[4].message
    assert len(list_submissions(ws.rnd.folder)) == 9
    assert git(ws, "status", "--porcelain") == ""


@pytest.mark.slow
def test_docx_made_by_libreoffice(rnd_ws, tmp_path) -> None:
    """A Word file nobody here wrote: LibreOffice converts a .fodt with an annotation and
    tracked changes (deletion + insertion) to DOCX."""
    ws = rnd_ws
    text = ws.blocks[3].text
    w = text.split()
    head, old, tail = " ".join(w[:3]), w[3], " ".join(w[4:9])
    quote = " ".join(w[4:7])
    fodt = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"
 office:mimetype="application/vnd.oasis.opendocument.text"><office:body><office:text>
<text:tracked-changes text:track-changes="true">
 <text:changed-region text:id="c1"><text:deletion><office:change-info><dc:creator>Anna Lehmann</dc:creator><dc:date>2026-11-25T10:00:00</dc:date></office:change-info><text:p>{old}</text:p></text:deletion></text:changed-region>
 <text:changed-region text:id="c2"><text:insertion><office:change-info><dc:creator>Anna Lehmann</dc:creator><dc:date>2026-11-25T10:00:00</dc:date></office:change-info></text:insertion></text:changed-region>
</text:tracked-changes>
<text:p>{head} <text:change text:change-id="c1"/><text:change-start text:change-id="c2"/>NEU<text:change-end text:change-id="c2"/> <office:annotation office:name="a1"><dc:creator>Anna Lehmann</dc:creator><dc:date>2026-11-25T11:00:00</dc:date><text:p>Das sehen wir anders.</text:p></office:annotation>{quote}<office:annotation-end office:name="a1"/>{tail[len(quote) :]}</text:p>
</office:text></office:body></office:document>"""
    (tmp_path / "diakonie.fodt").write_text(fodt, encoding="utf-8")
    converted = libreoffice_convert(tmp_path / "diakonie.fodt", "docx", tmp_path)
    res = import_files(ws, [converted], from_org="diakonie-sachsen", document=SAMPLE_SN)
    assert res[0].status == "importiert", res[0].message
    sub = list_submissions(ws.rnd.folder)[0]
    kinds = {c["origin"]: c for c in sub.comments}
    comment = kinds["Word, Kommentar"]
    assert comment["text"] == "Das sehen wir anders." and comment["author"] == "Anna Lehmann"
    assert comment["anchor"]["exact"] == quote and comment["anchor"]["rn"] == ws.blocks[3].rn
    change = kinds["Word, nachverfolgte Änderung (Ersetzung)"]
    assert change["proposal"] == {"old": old, "new": "NEU"}
    assert change["anchor"]["state"] == "exakt" and change["anchor"]["rn"] == ws.blocks[3].rn


def test_every_stored_submission_matches_the_published_schema(rnd_ws, tmp_path) -> None:
    ws = rnd_ws
    from lafast_docs.consultation.model import validate

    yaml_data = fill_yaml_form(
        form(ws, "awo-sachsen", "yaml"),
        '  - rn: 1\n    zitat: "gibt es nicht"\n    anmerkung: "x"\n'
        '  - anmerkung: "allgemein"\n    aenderungsvorschlag: "neu"\n',
    )
    xlsx_data = fill_xlsx_form(
        form(ws, "lag-fsa-msa", "xlsx"), [[2, "1", "grundsätzlich", "y", "z", "w"]]
    )
    mail = eml_with({"a.yaml": yaml_data, "b.xlsx": xlsx_data})
    res = import_files(ws, [write(tmp_path, "m.eml", mail)])
    assert all(r.status == "importiert" for r in res)
    subs = list_submissions(ws.rnd.folder)
    assert len(subs) == 2
    for sub in subs:
        assert validate(sub.data, "submission.schema.json") == []


def test_the_published_schema_names_every_registered_format() -> None:
    """A new reader's name is stored as `source.format`: the schema must allow it."""
    source = schema("submission.schema.json")["properties"]["source"]["properties"]
    assert source["format"]["enum"] == [r.name for r in READERS], (
        "intake/registry.py and schemas/submission.schema.json (source.format) disagree"
    )


def test_word_reply_threads_become_replies(rnd_ws, tmp_path) -> None:
    """Word keeps reply threads in commentsExtended.xml (w15:paraIdParent)."""
    import io
    import zipfile

    from .intake_files import rezip

    ws = rnd_ws
    quote = words(ws.blocks[5].text, 1, 3)
    replaced = ws.blocks[6].text.split()[-1]
    data = docx_with_changes(
        form(ws, "awo-sachsen", "docx"),
        comment_on=quote,
        comment="Bitte präziser.",
        replace=(replaced, replaced + "x"),
        reply="Sehe ich auch so.",
    )
    comments = zipfile.ZipFile(io.BytesIO(data)).read("word/comments.xml").decode("utf-8")
    w14 = 'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'
    if w14 not in comments:
        comments = comments.replace("<w:comments ", f"<w:comments {w14} ", 1)
    for para_id in ("1A2B3C4D", "5E6F7A8B"):  # python-docx writes no paraIds; Word does
        comments = comments.replace("<w:p>", f'<w:p w14:paraId="{para_id}">', 1)
    extended = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w15:commentsEx xmlns:w15="http://schemas.microsoft.com/office/word/2012/'
        'wordml"><w15:commentEx w15:paraId="1A2B3C4D" w15:done="0"/>'
        '<w15:commentEx w15:paraId="5E6F7A8B" w15:paraIdParent="1A2B3C4D" '
        'w15:done="0"/></w15:commentsEx>'
    )
    data = rezip(
        data,
        replace={"word/comments.xml": comments.encode("utf-8")},
        add={"word/commentsExtended.xml": extended.encode("utf-8")},
    )
    res = import_files(ws, [write(tmp_path, "thread.docx", data)])
    assert res[0].status == "importiert", res[0].message
    sub = list_submissions(ws.rnd.folder)[0]
    threads = [c for c in sub.comments if c["origin"] == "Word, Kommentar"]
    assert len(threads) == 1
    assert threads[0]["text"] == "Bitte präziser."
    assert threads[0]["replies"] == [
        {
            "author": "Thomas Richter",
            "date": threads[0]["replies"][0]["date"],
            "text": "Sehe ich auch so.",
        }
    ]


def _choose_consent(docx: bytes, label: str) -> bytes:
    """What a Word user does: pick an entry of the consent drop-down (content control)."""
    from docx import Document
    from docx.oxml.ns import qn

    doc = Document(io.BytesIO(docx))
    [sdt] = [
        s
        for s in doc.element.body.iter(qn("w:sdt"))
        if s.find(f"{qn('w:sdtPr')}/{qn('w:tag')}").get(qn("w:val")) == "lafast-einwilligung"
    ]
    [text] = list(sdt.iter(qn("w:t")))
    text.text = label
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_consent_from_the_word_and_excel_forms(rnd_ws, tmp_path) -> None:
    from lafast_docs.consultation.model import CONSENT_LABELS

    ws = rnd_ws
    b = ws.blocks[2]
    # Word: the drop-down left alone means intern; a choice is read back
    plain = form(ws, "awo-sachsen", "docx").read_bytes()
    assert "lafast-einwilligung" in zipfile.ZipFile(io.BytesIO(plain)).read(
        "word/document.xml"
    ).decode("utf-8")
    chosen = docx_with_changes(
        write(tmp_path, "awo-form.docx", _choose_consent(plain, CONSENT_LABELS["oeffentlich"])),
        comment_on=words(ws.blocks[5].text, 1, 3),
        comment="Bitte präziser.",
        replace=(words(ws.blocks[6].text, 0, 2), "Neuer Anfang"),
    )
    res = import_files(ws, [write(tmp_path, "awo.docx", chosen)])
    assert res[0].status == "importiert", res[0].message
    # Excel: the "Angaben" sheet has the consent drop-down and the contact
    from openpyxl import load_workbook

    wb = load_workbook(form(ws, "lag-fsa-msa", "xlsx"))
    details = wb["Angaben"]
    assert details["B1"].value == CONSENT_LABELS["intern"]
    assert any("B1" in str(dv.sqref) for dv in details.data_validations.dataValidation)
    details["B1"] = CONSENT_LABELS["anonymisiert"]
    details["B2"] = "Selin Kaya"
    wb["Anmerkungen"].append([b.rn, "", "inhaltlich", "Zu unbestimmt.", "", ""])
    wb.save(tmp_path / "lag.xlsx")
    res = import_files(ws, [tmp_path / "lag.xlsx"])
    assert res[0].status == "importiert", res[0].message
    subs = {s.org: s for s in list_submissions(ws.rnd.folder)}
    assert subs["awo-sachsen"].data["consent"] == "oeffentlich"
    assert subs["lag-fsa-msa"].data["consent"] == "anonymisiert"
    assert subs["lag-fsa-msa"].data["contact"]["name"] == "Selin Kaya"


@pytest.mark.slow
def test_consent_survives_libreoffice(rnd_ws, tmp_path) -> None:
    """The Word form opened and saved by LibreOffice keeps the drop-down and its choice."""
    from lafast_docs.consultation.intake.docx import read_docx
    from lafast_docs.consultation.model import CONSENT_LABELS

    ws = rnd_ws
    plain = form(ws, "caritas-dresden", "docx").read_bytes()
    chosen = write(tmp_path, "caritas.docx", _choose_consent(plain, CONSENT_LABELS["anonymisiert"]))
    saved = libreoffice_convert(chosen, "docx:MS Word 2007 XML", tmp_path / "lo")
    assert read_docx(saved.read_bytes()).consent == "anonymisiert"
