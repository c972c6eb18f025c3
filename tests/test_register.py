"""The register of key figures and norms: values by Stand, history, where-used, stale report,
hand-typed hints, the Word round trip, hostile values, German errors with file and line."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pypandoc
import pytest
from click.testing import CliRunner

from lafast_docs.cli.main import cli
from lafast_docs.errors import RegisterInvalid, UnsafeContent
from lafast_docs.office import figures
from lafast_docs.office.status import document_status
from lafast_docs.outputs.document import render
from lafast_docs.render.figures import from_docx
from lafast_docs.text.accessibility import review
from lafast_docs.text.drafts import load_draft, new_draft, save_draft
from lafast_docs.text.references import uses
from lafast_docs.text.register import load_register, parse_register
from lafast_docs.workspace import Workspace

from .test_cli import run

REGISTER = """\
# Kennzahlenregister (Kommentar bleibt)
format: 1
kennzahlen:
  betreuungsschluessel:
    titel: Betreuungsschlüssel
    einheit: Fachkraft je betreute Personen
    werte:
      - wert: "1:120"
        gueltig_ab: 2019-01-01
        gueltig_bis: 2025-12-31
        quelle: LAufnG a. F.
        link: https://example.org/alt
      - wert: "1:80"
        gueltig_ab: 2026-01-01
        quelle: LAufnG n. F.
        link: https://example.org/neu
  stellen:
    titel: Koordinationsstellen
    einheit: Stellen
    werte:
      - wert: 54
        gueltig_ab: 2026-01-01
  boese:
    werte:
      - wert: "**fett** <script>alert(1)</script> [klick](javascript:alert(1))"
rechtsgrundlagen:
  laufng-12:
    titel: Landesaufnahmegesetz
    fassungen:
      - zitat: § 12 Abs. 2 LAufnG
        link: https://example.org/laufng
"""
BODY = """
# Personal

Der Schlüssel beträgt [1:80]{kz=betreuungsschluessel} nach [§ 12 LAufnG]{norm=laufng-12}.

Gefördert werden [54]{kz=stellen} Stellen. Wert von außen: [x]{kz=boese}.
"""


def _write_body(ws: Workspace, slug: str, body: str, stand: str | None = None) -> None:
    path = ws.drafts_dir / slug / "document.md"
    head, _sep, _old = path.read_text("utf-8").partition("\n---\n")
    if stand:
        head += f"\nstand: {stand}"
    path.write_text(f"{head}\n---\n{body}", "utf-8")


@pytest.fixture
def reg_ws(ws: Workspace) -> Workspace:
    (ws.root / "kennzahlen.yaml").write_text(REGISTER, "utf-8")
    ws.store.commit([ws.root / "kennzahlen.yaml"], "Register")
    new_draft(ws, "fachstandard", "kz", "Kennzahlen")
    _write_body(ws, "kz", BODY)
    save_draft(ws, "kz", "Kennzahlen verwendet")
    return ws


def _html(ws: Workspace, slug: str) -> str:
    (out,) = render(ws, slug, formats=("html",), force=True)
    return out.path.read_text("utf-8")


def test_history_value_by_date() -> None:
    reg = parse_register(REGISTER, path=Path("kennzahlen.yaml"))
    entry = reg.get("kz", "betreuungsschluessel")
    assert entry is not None
    assert entry.at(dt.date(2025, 6, 1)).value == "1:120"  # type: ignore[union-attr]
    assert entry.at(dt.date(2026, 1, 1)).value == "1:80"  # type: ignore[union-attr]
    assert entry.at(dt.date(2018, 1, 1)) is None
    assert reg.get("kz", "stellen").periods[0].value == "54"  # type: ignore[union-attr]


def test_render_by_stand(reg_ws: Workspace) -> None:
    html = _html(reg_ws, "kz")  # saved today: the new value, linked to its source
    assert 'href="https://example.org/neu"' in html and ">1:80</a>" in html
    assert ">§ 12 Abs. 2 LAufnG</a>" in html and "§ 12 LAufnG<" not in html
    _write_body(reg_ws, "kz", BODY, stand="2025-06-01")  # a 2025 version keeps the old value
    html = _html(reg_ws, "kz")
    assert ">1:120</a>" in html and 'href="https://example.org/alt"' in html
    assert ">1:80<" not in html


def test_hostile_value_rendered_as_text(reg_ws: Workspace) -> None:
    html = _html(reg_ws, "kz")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "**fett**" in html and "[klick](javascript:alert(1))" in html
    assert 'href="javascript' not in html


def test_word_round_trip_keeps_references(reg_ws: Workspace) -> None:
    (out,) = render(reg_ws, "kz", formats=("docx",), force=True)
    pandoc = pypandoc.get_pandoc_path()
    ast = json.loads(
        subprocess.run(
            [pandoc, "-f", "docx+styles", "-t", "json", str(out.path)],
            capture_output=True,
            check=True,
        ).stdout
    )
    assert from_docx(ast) == 4
    with zipfile.ZipFile(out.path) as docx:
        styles = docx.read("word/styles.xml").decode("utf-8")
    linked = re.search(r'w:styleId="Kennzahlbetreuungsschluessel">.*?</w:style>', styles, re.S)
    plain = re.search(r'w:styleId="Kennzahlstellen">.*?</w:style>', styles, re.S)
    assert linked and '<w:basedOn w:val="Hyperlink"' in linked.group()  # looks like a link
    assert plain and "Hyperlink" not in plain.group()  # no link, no link look
    markdown = subprocess.run(
        [pandoc, "-f", "json", "-t", "markdown"],
        input=json.dumps(ast).encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert '[1:80]{kz="betreuungsschluessel"}' in markdown.replace("\n", " ")
    assert '{norm="laufng-12"}' in markdown
    assert '[54]{kz="stellen"}' in markdown


def test_unknown_id_refused_with_line(reg_ws: Workspace) -> None:
    _write_body(reg_ws, "kz", "\nText\n\nDer Schlüssel [1:80]{kz=betreungsschluessel}.\n")
    with pytest.raises(UnsafeContent) as err:
        render(reg_ws, "kz", formats=("html",))
    text = err.value.render()
    assert "„betreungsschluessel“ steht nicht im Kennzahlenregister" in text
    assert "document.md:" in text and "betreuungsschluessel" in text
    assert not (reg_ws.build_dir / "kz" / "kz.html").exists()


def test_register_errors_name_file_and_line(ws: Workspace) -> None:
    bad = REGISTER.replace("gueltig_bis: 2025-12-31", "gueltig_bis: 2026-03-31").replace(
        "link: https://example.org/laufng", "link: javascript:alert(1)"
    )
    bad = bad.replace(
        "      - wert: 54\n        gueltig_ab: 2026-01-01",
        "      - wert: 54\n        gueltig_ab: morgen",
    )
    (ws.root / "kennzahlen.yaml").write_text(bad, "utf-8")
    before = (ws.root / "kennzahlen.yaml").read_bytes()
    with pytest.raises(RegisterInvalid) as err:
        load_register(ws)
    text = err.value.render()
    assert "enthält 3 Fehler" in text
    assert "kennzahlen.yaml:13: „betreuungsschluessel“: die Gültigkeit von „1:120“" in text
    assert "kennzahlen.yaml:22: „stellen“: „gueltig_ab: morgen“ ist kein Datum" in text
    assert "kennzahlen.yaml:31: „laufng-12“: „link:“ muss eine Web-Adresse sein" in text
    assert err.value.exit_code == 3
    assert (ws.root / "kennzahlen.yaml").read_bytes() == before


def test_where_used_and_stale_across_published_versions(reg_ws: Workspace) -> None:
    ws = reg_ws
    commit = ws.store.resolve("HEAD")
    subprocess.run(
        ["git", "-C", str(ws.root), "tag", "-a", "-m", "Veröffentlicht",
         "lafast/kz/veroeffentlicht/1.0", commit],
        check=True,
    )  # fmt: skip
    places = figures.where_used(ws, "stellen")
    assert [(p.published, p.rns, p.shown, p.note()) for p in places] == [
        (False, (2,), "54", ""),
        (True, (2,), "54", ""),
    ]
    # the law changes: 56 posts from today on, 54 kept until yesterday
    today = dt.date.today()
    text = (
        (ws.root / "kennzahlen.yaml")
        .read_text("utf-8")
        .replace(
            "      - wert: 54\n        gueltig_ab: 2026-01-01\n",
            f"      - wert: 54\n        gueltig_ab: 2026-01-01\n        gueltig_bis: "
            f"{today - dt.timedelta(days=1)}\n      - wert: 56\n        gueltig_ab: {today}\n",
        )
    )
    (ws.root / "kennzahlen.yaml").write_text(text, "utf-8")
    ws.store.commit([ws.root / "kennzahlen.yaml"], "56 Stellen")
    notes = {p.published: p.note() for p in figures.stale(ws)}
    assert notes[True] == "zitiert 54, heute gilt 56 – neue Version erwägen"
    assert notes[False].startswith("würde jetzt 56 statt 54 zeigen")
    (row,) = document_status(ws)
    assert row.figure_notes == (
        "Entwurf: Kennzahl „stellen“ würde jetzt 56 statt 54 zeigen (Register geändert) – neu "
        "erzeugen und prüfen",
        "Version 1.0 (veröffentlicht): Kennzahl „stellen“ zitiert 54, heute gilt 56 – neue "
        "Version erwägen",
    )
    result = CliRunner().invoke(cli, ["-w", str(ws.root), "register", "used", "stellen"])
    assert result.exit_code == 0
    assert "kz (veröffentlichte Version 1.0, Stand" in result.output
    assert "zitiert 54, heute gilt 56" in result.output


def test_hand_typed_value_hint(reg_ws: Workspace) -> None:
    _write_body(
        reg_ws,
        "kz",
        "\nText\n\nFrüher galt 1:120, jetzt [1:80]{kz=betreuungsschluessel}; 54 Stellen.\n\n"
        "`1:80` im Code und 2026 als Jahr zählen nicht.\n",
    )
    problems, hints = review(load_draft(reg_ws, "kz"))
    assert problems == []
    assert [h.message for h in hints] == [
        "„1:120“ ist von Hand geschrieben: Kennzahl „betreuungsschluessel“ (Betreuungsschlüssel), "
        "Wert gültig ab 01.01.2019 bis 31.12.2025; zum Stand "
        f"{dt.date.today():%d.%m.%Y} gilt 1:80. Stattdessen schreiben: "
        "[1:80]{kz=betreuungsschluessel}",
        "„54 Stellen“ ist von Hand geschrieben: Kennzahl „stellen“ (Koordinationsstellen), Wert "
        "gültig ab 01.01.2026. Stattdessen schreiben: [54]{kz=stellen}",
    ]
    assert {h.line for h in hints} == {hints[0].line}
    result = CliRunner().invoke(cli, ["-w", str(reg_ws.root), "check", "kz"])
    assert result.exit_code == 0
    assert "kz: 2 Hinweis(e) zu Kennzahlen und Rechtsgrundlagen:" in result.output


def test_pdf_source_links_are_described(reg_ws: Workspace) -> None:
    import pikepdf

    _write_body(reg_ws, "kz", BODY + "\nSiehe auch [das Gesetz](https://example.org/laufng).\n")
    (out,) = render(reg_ws, "kz", formats=("pdf",), force=True)
    texts = set()
    with pikepdf.open(out.path) as pdf:
        for page in pdf.pages:
            for annot in page.get("/Annots") or []:
                if annot.get("/A") is not None and "/URI" in annot.A:
                    texts.add(str(annot.Contents))
    assert texts == {
        "Quelle der Kennzahl „Betreuungsschlüssel“: LAufnG n. F. (https://example.org/neu)",
        "Verweis auf https://example.org/laufng",  # the author's link and the norm's: plain
    }


def test_status_with_a_broken_register_lists_every_document(reg_ws: Workspace) -> None:
    (reg_ws.root / "kennzahlen.yaml").write_text("kennzahlen: [kaputt\n", "utf-8")
    (row,) = document_status(reg_ws)
    assert row.slug == "kz" and row.figure_notes[0].startswith("Kennzahlenregister fehlerhaft")


def test_uses_carry_randnummern(reg_ws: Workspace) -> None:
    from lafast_docs.text.history import model_of

    found = uses(model_of(load_draft(reg_ws, "kz")))
    assert [(u.id, u.rn, u.text) for u in found] == [
        ("betreuungsschluessel", 1, "1:80"),
        ("laufng-12", 1, "§ 12 Abs. 2 LAufnG"),
        ("stellen", 2, "54"),
        ("boese", 2, "**fett** <script>alert(1)</script> [klick](javascript:alert(1))"),
    ]


def test_no_register_keeps_written_text(ws: Workspace) -> None:
    (ws.root / "kennzahlen.yaml").unlink()  # a workspace from before the register
    new_draft(ws, "fachstandard", "kz", "Kennzahlen")
    _write_body(ws, "kz", "\nText\n\nSchlüssel [1:80]{kz=betreuungsschluessel}.\n")
    assert ">1:80<" in _html(ws, "kz").replace("</span>", "<")
    _problems, hints = review(load_draft(ws, "kz"))
    assert "es gibt kein Kennzahlenregister" in hints[0].message


def test_init_writes_an_empty_register_that_refuses_unknown_ids(ws: Workspace) -> None:
    text = (ws.root / "kennzahlen.yaml").read_text("utf-8")
    assert text.startswith("# Kennzahlenregister") and "lafast register set" in text
    assert len(load_register(ws)) == 0
    new_draft(ws, "fachstandard", "kz", "Kennzahlen")
    _write_body(ws, "kz", "\nText\n\nSchlüssel [1:80]{kz=betreuungsschluessel}.\n")
    with pytest.raises(UnsafeContent) as err:
        render(ws, "kz", formats=("html",))
    assert "„betreuungsschluessel“ steht nicht im Kennzahlenregister (vorhanden: keine)" in (
        err.value.render()
    )


def test_register_set_keeps_history_and_lists_places(reg_ws: Workspace) -> None:
    ws = reg_ws
    result = CliRunner().invoke(
        cli,
        ["-w", str(ws.root), "register", "set", "stellen", "60", "--ab", "2030-01-01",
         "--quelle", "Haushalt 2030"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "Gespeichert: Kennzahl „stellen“ (Koordinationsstellen) – 54 (ab 01.01.2026 bis "
        "31.12.2029); 60 (ab 01.01.2030)"
    )
    assert "  kz (Entwurf, Stand " in result.output
    text = (ws.root / "kennzahlen.yaml").read_text("utf-8")
    assert text.startswith("# Kennzahlenregister (Kommentar bleibt)")
    assert "gueltig_ab: 2026-01-01\n        gueltig_bis: 2029-12-31\n" in text
    assert ws.store.is_dirty(ws.root / "kennzahlen.yaml") is False
    entry = load_register(ws).get("kz", "stellen")
    assert entry is not None and entry.at(dt.date(2030, 1, 1)).value == "60"  # type: ignore[union-attr]
    before = text
    for args, message, code in (
        (["stellen", "61", "--ab", "2029-06-01"], "Der neue Wert muss nach dem Beginn", 3),
        (["stelen", "61", "--ab", "2031-01-01"], "„stelen“ steht nicht im Kennzahlenregister", 1),
        (["stellen", "61", "--ab", "2031-01-01", "--link", "javascript:x"], "Web-Adresse", 3),
    ):
        exit_code, _out, err_text = run(["-w", str(ws.root), "register", "set", *args])
        assert exit_code == code and message in err_text, err_text
        assert (ws.root / "kennzahlen.yaml").read_text("utf-8") == before


def test_consultation_proposal_of_another_value_and_merge_keeps_references(fs_ws) -> None:
    from lafast_docs.consultation.views import show_comment
    from lafast_docs.decisions.disposition import decide
    from lafast_docs.decisions.merge import merge

    from .conftest import SAMPLE_FS, entry, lag_confirms

    ws = fs_ws
    value, words = ws.submit(
        "awo-sachsen",
        entry(77, "Der Schlüssel von 1:80 beruht", "Der Schlüssel von 1:60 beruht")
        + entry(77, "auf einer Zeitbedarfsrechnung", "auf einer gemeinsamen Zeitbedarfsrechnung"),
    )
    shown = [line for line in show_comment(ws, value) if isinstance(line, str)]
    assert (
        "  Schlägt einen anderen Wert für die Kennzahl „betreuungsschluessel“ (Betreuungsschlüssel "
        "der sozialen Betreuung) vor: „1:60“ statt „1:80“. Der Wert steht im Kennzahlenregister: "
        "bei Annahme dort ändern (kennzahlen.yaml), nicht im Text." in shown
    )
    assert not any("Kennzahl" in line for line in show_comment(ws, words) if isinstance(line, str))
    for cid in (value, words):
        decide(ws, cid, "angenommen")
    lag_confirms(ws, [value, words])
    result = merge(ws, SAMPLE_FS)
    assert [c.comment_id for c in result.changes] == [words]
    (refused,) = result.refused
    assert refused.comment_id == value
    assert "enthält einen Wert aus dem Kennzahlenregister" in refused.reason
    text = (ws.drafts_dir / SAMPLE_FS / "document.md").read_text("utf-8")
    assert (
        "Der Schlüssel von [1:80]{kz=betreuungsschluessel} beruht auf einer gemeinsamen "
        "Zeitbedarfsrechnung" in text
    )


def test_annex_lists_what_the_document_uses(reg_ws: Workspace) -> None:
    path = reg_ws.drafts_dir / "kz" / "document.md"
    path.write_text(path.read_text("utf-8").replace("---\n", "---\nanhang_kennzahlen: true\n", 1))
    html = _html(reg_ws, "kz")
    annex = html[html.index('id="anhang-kennzahlen"') :]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", annex, re.S)
    assert cells[:5] == ["Betreuungsschlüssel", "1:80", "ab 01.01.2026", "LAufnG n. F.", "1"]
    assert "Koordinationsstellen" in cells and "&lt;script&gt;" in annex


@pytest.mark.slow
def test_references_and_annex_keep_the_pdf_accessible(reg_ws: Workspace) -> None:
    from .conftest import assert_pdf_ua1

    path = reg_ws.drafts_dir / "kz" / "document.md"
    path.write_text(path.read_text("utf-8").replace("---\n", "---\nanhang_kennzahlen: true\n", 1))
    (out,) = render(reg_ws, "kz", formats=("pdf",), force=True)
    assert_pdf_ua1(out.path)


def test_impossible_dates_are_german_errors_with_line(reg_ws: Workspace) -> None:
    """ruamel builds YAML dates itself; 2026-13-01 used to end in an internal error."""
    text = (reg_ws.root / "kennzahlen.yaml").read_text("utf-8")
    (reg_ws.root / "kennzahlen.yaml").write_text(text.replace("2025-12-31", "2025-12-32"))
    with pytest.raises(RegisterInvalid) as err:
        load_register(reg_ws)
    assert err.value.line == 10 and "„2025-12-32“ gibt es nicht" in err.value.message
    _write_body(reg_ws, "kz", BODY, stand="2025-02-30")
    exit_code, _out, err_text = run(["-w", str(reg_ws.root), "render", "kz", "--format", "html"])
    assert exit_code == 4 and "document.md:" in err_text
    assert "Das Datum „2025-02-30“ gibt es nicht." in err_text
    assert not (reg_ws.build_dir / "kz").exists()


def test_word_tracked_change_of_a_value_is_a_value_proposal(fs_ws, tmp_path: Path) -> None:
    """The form's value sits in a hyperlink run styled „Kennzahl …“; a Word user replaces it
    with tracked changes: the proposal arrives, and it is shown as another value."""
    from lafast_docs.consultation.intake.importer import import_files
    from lafast_docs.consultation.views import show_comment

    from .conftest import SAMPLE_FS

    ws = fs_ws
    form = next(
        (ws.comments_dir / SAMPLE_FS / "runde-1" / "formulare" / "awo-sachsen").glob("*.docx")
    )
    with zipfile.ZipFile(form) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    xml = parts["word/document.xml"].decode("utf-8")
    run = re.search(
        r'(<w:r><w:rPr><w:rStyle w:val="Kennzahlbetreuungsschluessel" ?/>(?:(?!</w:r>).)*?)'
        r'<w:t(?: xml:space="preserve")?>1:80</w:t></w:r>',  # pandoc's or lxml's spelling
        xml,
        re.S,
    )
    assert run, "the form has the value as a styled run"
    props = run.group(1)
    changed = (
        f'<w:del w:id="9001" w:author="Katrin Weber" w:date="2026-11-25T10:00:00Z">{props}'
        '<w:delText xml:space="preserve">1:80</w:delText></w:r></w:del>'
        f'<w:ins w:id="9002" w:author="Katrin Weber" w:date="2026-11-25T10:00:00Z">{props}'
        '<w:t xml:space="preserve">1:60</w:t></w:r></w:ins>'
    )
    parts["word/document.xml"] = (xml[: run.start()] + changed + xml[run.end() :]).encode()
    returned = tmp_path / "awo-rueckmeldung.docx"
    with zipfile.ZipFile(returned, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    (result,) = import_files(ws, [returned])
    assert result.status == "importiert", result.message
    (cid,) = result.ids
    shown = [line for line in show_comment(ws, cid) if isinstance(line, str)]
    assert any("„1:60“ statt „1:80“" in line and "betreuungsschluessel" in line for line in shown)


def test_references_found_by_the_check_resolve_as_a_walk_would(reg_ws: Workspace) -> None:
    """`analyse` hands `resolve` the reference spans its check found instead of walking the text
    again: the same values, the same missing and refused ids, also for a reference written
    inside another one (replaced with the outer one, never looked at)."""
    from lafast_docs.errors import Problem
    from lafast_docs.external import pandoc
    from lafast_docs.text import references, textmodel
    from lafast_docs.text.analysis import _Checker

    body = (
        "\nA [[x]{kz=fehlt-innen} [54]{kz=stellen}]{kz=betreuungsschluessel}.\n\n"
        "B [[y]{kz=fehlt-auch}]{kz=fehlt-aussen} und *[1:80]{kz=betreuungsschluessel}*.\n\n"
        "- [§ 12]{norm=laufng-12}\n"
    )
    _write_body(reg_ws, "kz", body, stand="2026-03-01")
    draft = load_draft(reg_ws, "kz")

    def where(msg: str, needle: str) -> Problem:
        return Problem(msg, draft.path, None)

    results = []
    for by_check in (False, True):
        ast = pandoc.markdown_to_ast(draft.body)
        checker = _Checker(draft)
        textmodel.walk(ast["blocks"], checker.visit)
        spans = checker.spans if by_check else None
        done = references.resolve(ast, draft.figures, where=where, spans=spans)
        results.append((ast, [p.message for p in done.problems], done.missing))
    assert results[0] == results[1]
    assert len(results[0][1]) == 2  # fehlt-aussen, fehlt-auch; fehlt-innen was replaced
    assert "1:80" in json.dumps(results[0][0], ensure_ascii=False)
