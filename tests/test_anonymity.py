"""Anonymised stays anonymous: every public output (Synopse PDF/DOCX/XLSX, the published site)
shows neutral ids for submissions marked „anonymisiert“ and nothing that names the organisation
— in text, XML parts, metadata and file names. Through the CLI, as staff run it."""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.rounds import open_round
from lafast_docs.outputs.anonymity import letters
from lafast_docs.workspace import Workspace
from tests.conftest import SAMPLE_SN, copy_samples, pdf_text, without_signing
from tests.intake_files import fill_yaml_form
from tests.test_cli import _Main

CARITAS = (
    "caritas-dresden",
    "Caritasverband für das Bistum Dresden-Meißen e. V.",
    "migrationsdienste@caritas.example.org",
    "Thomas Richter",
)


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


def _answer(ws: Workspace, rnd, org: str, entries: str, consent: str, tmp: Path) -> list[str]:
    form = rnd.folder / "formulare" / org / f"{SAMPLE_SN}-runde-1-{org}.yaml"
    path = tmp / f"{org}.yaml"
    path.write_bytes(fill_yaml_form(form, entries, consent=consent))
    [res] = import_files(ws, [path])
    assert res.status == "importiert", res.message
    return res.ids


@pytest.fixture
def consulted(ws: Workspace, tmp_path: Path) -> tuple[Workspace, list[str], list[str]]:
    ws = without_signing(copy_samples(ws, SAMPLE_SN))  # no keys here: unsigned approvals, PDF
    rnd = open_round(
        ws,
        SAMPLE_SN,
        deadline=dt.date(2026, 12, 20),
        invite=["awo-sachsen", "caritas-dresden"],
        today=dt.date(2026, 11, 21),
    )
    # the anonymised organisation names itself, its contact and its address in its own words
    own = (
        "  - rn: 3\n    art: inhaltlich\n    anmerkung: 'Wir als Caritasverband für das Bistum "
        "Dresden-Meißen e. V. (Ansprechpartner Thomas Richter, "
        "migrationsdienste@caritas.example.org) halten das für zu knapp.'\n"
        "  - rn: 4\n    art: redaktionell\n    anmerkung: 'Siehe caritas-dresden, oben.'\n"
    )
    tmp = tmp_path / "antworten"
    tmp.mkdir()
    anonymous = _answer(ws, rnd, "caritas-dresden", own, "anonymisiert", tmp)
    public = _answer(
        ws,
        rnd,
        "awo-sachsen",
        "  - rn: 3\n    art: inhaltlich\n    anmerkung: 'Wie die Caritasverband für das "
        "Bistum Dresden-Meißen e. V. meinen wir: zu knapp.'\n",
        "oeffentlich",
        tmp,
    )
    reason = f"Gleicher Punkt wie {anonymous[0]}."
    assert run(ws, "decide", public[0], "--duplicate-of", anonymous[0], "--reason", reason)[0] == 0
    return ws, anonymous, public


def _leaks(text: str, secrets: list[str]) -> list[str]:
    flat = " ".join(text.split()).lower()
    return [s for s in secrets if s.lower() in flat]


def _zip_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        # every part, character references resolved (openpyxl writes „ä“ as &#228;)
        return "\n".join(html.unescape(z.read(n).decode("utf-8", "replace")) for n in z.namelist())


def _pdf_all(path: Path) -> str:
    import pikepdf

    with pikepdf.open(path) as pdf:
        meta = str(dict(pdf.docinfo)) + str(pdf.open_metadata())
    return pdf_text(path) + "\n" + meta


def test_public_synopse_and_site_never_name_an_anonymised_organisation(consulted, tmp_path):
    ws, anonymous, public = consulted
    secrets = [*CARITAS, *anonymous, anonymous[0].rsplit("-", 1)[0]]
    out = tmp_path / "synopse"
    tag = f"lafast/{SAMPLE_SN}/runde-1"
    code, output = run(ws, "synopse", SAMPLE_SN, tag, "HEAD", "--public", "--out", str(out))
    assert code == 0, output
    files = sorted(out.iterdir())
    assert {p.suffix for p in files} == {".pdf", ".docx", ".xlsx"}
    texts = {".pdf": _pdf_all, ".docx": _zip_text, ".xlsx": _zip_text}
    for path in files:
        body = texts[path.suffix](path)
        assert _leaks(body + path.name, secrets) == [], path.name
        flat = " ".join(body.split())
        assert "T-A-1" in flat and "T-A-2" in flat and "Träger A" in flat, path.name
        assert public[0] in flat  # who consented to publication keeps the real id
        assert "Doppelung T-A-1" in flat or "Doppelung von T-A-1" in flat, path.name
    # the internal Synopse keeps the ids the office works with
    code, _ = run(ws, "synopse", SAMPLE_SN, tag, "HEAD", "--out", str(tmp_path / "intern"))
    assert code == 0
    [intern_pdf] = (tmp_path / "intern").glob("*.pdf")
    assert anonymous[0] in " ".join(pdf_text(intern_pdf).split())

    # the published site: every file, its name and the site's own metadata
    assert run(ws, "signoff", SAMPLE_SN, "--as", "leitung")[0] == 0
    site = tmp_path / "site"
    code, output = run(ws, "publish", SAMPLE_SN, "--site", str(site), "--synopse")
    assert code == 0, output
    published = [p for p in site.rglob("*") if p.is_file()]
    assert any(p.name.endswith("-synopse.pdf") for p in published)
    for path in published:
        if path.suffix == ".pdf":
            body = _pdf_all(path)
        elif path.suffix == ".docx":
            body = _zip_text(path)
        else:
            body = html.unescape(path.read_text("utf-8"))
        assert _leaks(body + str(path.relative_to(site)), secrets) == [], path.name
    synopse_pdf = next(p for p in published if p.name.endswith("-synopse.pdf"))
    assert "T-A-1" in pdf_text(synopse_pdf)


def test_aliases_never_repeat_after_z() -> None:
    assert [letters(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
    assert re.fullmatch(r"[A-Z]+", letters(5000))
