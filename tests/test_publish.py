"""The whole chain: sign-off -> final render (signed PDF/UA, PDF/A) -> publish -> verify.

A certificate authority and EC keys are made in the test; PDFs are checked by pyHanko, poppler's
pdfsig and veraPDF (tests/checkers/verapdf.py), the site by headless Chromium with axe-core.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.errors import SignoffError, SlugError
from lafast_docs.release.final import render_final
from lafast_docs.release.publish import publish
from lafast_docs.release.signoff import sign_off
from lafast_docs.release.trust import anchors, check_pdf, load_cert
from lafast_docs.text.drafts import save_draft
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.create import init_workspace
from tests.conftest import GIT_ENV, REPO, SAMPLE_SN, copy_samples, pdf_text
from tests.keys import PASSWORD_ENV, Keys, make_keys, use
from tests.test_cli import _Main

# the project's veraPDF (PDF/UA-1, PDF/A), run in REPO: tests/checkers/verapdf.py
PDFCHECK = (sys.executable, "-m", "tests.checkers.verapdf")


@dataclass
class Chain:
    ws: Workspace
    keys: Keys
    site: Path
    pdf: Path  # the published, signed PDF
    archive: Path
    final_dir: Path


LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="80" viewBox="0 0 300 80">'
    '<rect width="80" height="80" fill="#1f3a5f"/>'
    '<path d="M100 20h20v40h30v20h-50z" fill="#1f3a5f"/></svg>'
)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    mp = pytest.MonkeyPatch()
    for key, value in {**GIT_ENV, PASSWORD_ENV: "geheim"}.items():
        mp.setenv(key, value)
    root = tmp_path_factory.mktemp("kette")
    ws = copy_samples(init_workspace(root / "ws"), SAMPLE_SN)
    logo = ws.templates_dir / "common" / "logo.svg"  # the office's logo slot, in every output
    logo.parent.mkdir(parents=True, exist_ok=True)
    logo.write_text(LOGO_SVG, "utf-8")
    ws.store.commit([logo], "Logo")
    keys = make_keys(root / "schluessel", allowed={"miriam-albers": "albers"})
    use(ws, keys, "albers")
    sign_off(ws, SAMPLE_SN, "leitung", note="Leitungsrunde")
    final = render_final(ws, SAMPLE_SN, archive=True)
    site = root / "website"
    published = publish(ws, SAMPLE_SN, site)
    pdf = next(p for p in published.files if p.suffix == ".pdf")
    archive = next(o.path for o in final.outputs if o.format == "archiv")
    yield Chain(ws, keys, site, pdf, archive, final.outputs[0].path.parent)
    mp.undo()


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


# -- the final PDF --------------------------------------------------------------------------------
def pdftotext(path: Path) -> str:
    from tests.checkers import tool  # missing poppler-utils: fails with the install line

    out = subprocess.run([tool("pdftotext"), str(path), "-"], capture_output=True, text=True).stdout
    return " ".join(out.split())


def test_final_pdf_shows_version_stand_commit_and_signoffs(chain: Chain) -> None:
    text = pdftotext(chain.pdf)
    last = chain.ws.store.last_change(chain.ws.drafts_dir / SAMPLE_SN)
    assert last is not None
    assert re.search(r"Stand \d{1,2}\. [A-ZÄ][a-zä]+ \d{4} Version 0\.2", text)
    assert "Version 0.2 (Freigegeben)" in text
    assert f"Fassung {last.sha}" in text
    # the title block shows the short id (the full one: sign-off block and PDF metadata)
    from tests.checkers import tool

    first = subprocess.run(
        [tool("pdftotext"), "-f", "1", "-l", "1", str(chain.pdf), "-"],
        capture_output=True,
        text=True,
    ).stdout
    assert f"Fassung {last.sha[:10]}" in " ".join(first.split())
    assert last.sha not in first
    assert "Freigabe Diese Fassung wurde freigegeben von: Name Rolle Datum" in text
    assert "Dr. Miriam Albers Leitung der Landesfachstelle" in text
    assert "Dr. Miriam Albers" in pdf_text(chain.archive)


def test_pdf_signature_is_valid_and_covers_the_whole_file(chain: Chain) -> None:
    result = check_pdf(chain.pdf.read_bytes(), anchors((), (chain.keys.authority.ca_cert,)))
    (sig,) = result.signatures
    assert (sig.intact, sig.valid, sig.trusted, result.proven) == (True, True, True, True)
    assert not result.only_validation_data  # covers the whole file
    assert "Testfachstelle" in sig.signer
    from tests.checkers import tool

    out = subprocess.run([tool("pdfsig"), str(chain.pdf)], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." in out
    assert "Total document signed" in out


def test_pyhanko_cli_reports_intact_and_whole_file(chain: Chain) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    with chain.pdf.open("rb") as fh:
        sig = PdfFileReader(fh).embedded_signatures[0]
        status = validate_pdf_signature(
            sig, ValidationContext(trust_roots=[load_cert(chain.keys.authority.ca_cert)])
        )
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.md_algorithm == "sha256"


@pytest.mark.slow
@pytest.mark.parametrize(("which", "flavour"), [("pdf", "ua1"), ("archive", "3a")])
def test_signed_pdfs_pass_verapdf(chain: Chain, which: str, flavour: str) -> None:
    from tests.checkers import verapdf

    verapdf.require()  # not set up: fails with the one line that sets it up
    path = chain.pdf if which == "pdf" else chain.archive
    out = subprocess.run([*PDFCHECK, str(path), flavour], cwd=REPO, capture_output=True, text=True)
    assert f"flavour={flavour} compliant=true failed_rules=0" in out.stdout, out.stdout[-3000:]


# -- verify ----------------------------------------------------------------------------------------
def test_verify_published_pdf_is_authentic(chain: Chain) -> None:
    code, out = run(chain.ws, "verify", str(chain.pdf))
    assert code == 0, out
    assert f"Dokument: {SAMPLE_SN}, Version 0.2, Fassung " in out
    assert "Freigabe: Dr. Miriam Albers (Leitung der Landesfachstelle, " in out
    assert "gültig, signiert und geprüft" in out
    assert "PDF-Signatur: gültig, Zertifikat vertrauenswürdig; " in out
    assert "stimmt überein" in out
    assert "Signatur der Prüfsummenliste: gültig, Zertifikat vertrauenswürdig" in out
    assert "Ergebnis: echt" in out


def test_verify_other_formats_against_the_catalogue(chain: Chain) -> None:
    for suffix in (".html", ".docx"):
        code, out = run(chain.ws, "verify", str(chain.pdf.with_suffix(suffix)))
        assert code == 0, out
        assert "Ergebnis: echt" in out and "stimmt überein" in out


def test_changed_bytes_are_not_authentic(chain: Chain, tmp_path: Path) -> None:
    data = bytearray(chain.pdf.read_bytes())
    i = data.index(b"/Producer")
    data[i + 12] ^= 0x01  # one bit inside the signed range
    bad = tmp_path / chain.pdf.name
    bad.write_bytes(bytes(data))
    code, out = run(chain.ws, "verify", str(bad), "--site", str(chain.site))
    assert code == 8
    assert "PDF-Signatur: UNGÜLTIG" in out
    assert "Die signierten Bytes wurden nachträglich verändert." in out
    assert "Die Datei steht nicht in der Prüfsummenliste der Website." in out


def test_incremental_update_after_signing_is_not_authentic(chain: Chain, tmp_path: Path) -> None:
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    with chain.pdf.open("rb") as fh:
        w = IncrementalPdfFileWriter(fh)
        info = w.trailer["/Info"]
        info[NameObject("/Title")] = TextStringObject("Nachträglich geändert")
        w.update_container(info)
        out_buf = io.BytesIO()
        w.write(out_buf)
    bad = tmp_path / "angehaengt.pdf"
    bad.write_bytes(out_buf.getvalue())
    code, out = run(chain.ws, "verify", str(bad))
    assert code == 8
    assert "Nach der Signatur wurde die Datei geändert (nachträgliche Änderung;" in out


def test_published_file_replaced_on_the_site_is_caught(chain: Chain, tmp_path: Path) -> None:
    site = tmp_path / "kopie"
    shutil.copytree(chain.site, site)
    html = next((site / "stellungnahme").rglob("*.html"))
    html.write_text(html.read_text("utf-8").replace("Stellungnahme", "Stellungname"), "utf-8")
    code, out = run(chain.ws, "verify", str(html))
    assert code == 8
    assert "WEICHT AB" in out
    assert "Die Datei weicht von der in der Prüfsummenliste verzeichneten ab (SHA-256)." in out


# -- the site ---------------------------------------------------------------------------------
def test_status_says_published(chain: Chain) -> None:
    from lafast_docs.office.status import document_status

    (row,) = document_status(chain.ws)
    assert (row.state_name, row.signoffs) == ("Veröffentlicht", "1/1")


def test_site_files_catalogue_sums_and_feed(chain: Chain) -> None:
    cat = json.loads((chain.site / "catalogue.json").read_text("utf-8"))
    (entry,) = cat["dokumente"]
    assert entry["dokument"] == SAMPLE_SN and entry["version"] == "0.2"
    assert [f["format"] for f in entry["dateien"]] == ["pdf", "docx", "html"]
    assert entry["freigaben"][0]["name"] == "Dr. Miriam Albers"
    sums = (chain.site / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == 4 and sums[-1].endswith("  catalogue.json")
    for line in sums:
        digest, rel = line.split("  ")
        assert hashlib.sha256((chain.site / rel).read_bytes()).hexdigest() == digest
        assert rel.isascii()
    feed = ET.parse(chain.site / "feed.atom").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert titles == [f"{entry['titel']} (Version 0.2)"]


def test_new_version_keeps_the_old_and_same_version_needs_same_content(
    chain: Chain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "geheim")
    site = tmp_path / "site"
    shutil.copytree(chain.site, site)
    ws = chain.ws
    path = ws.drafts_dir / SAMPLE_SN / "document.md"
    original = path.read_text("utf-8")
    try:
        path.write_text(original + "\nEin Satz mehr.\n", "utf-8")
        save_draft(ws, SAMPLE_SN, "Satz ergänzt")
        # refused at sign-off already, not only when publishing (lafast version gives 0.3)
        with pytest.raises(SignoffError, match=r"Version 0\.2 .* schon mit anderem Inhalt"):
            sign_off(ws, SAMPLE_SN, "leitung")
        with pytest.raises(SignoffError, match=r"Version 0\.2 .* schon mit anderem Inhalt"):
            publish(ws, SAMPLE_SN, site)
        path.write_text(path.read_text("utf-8").replace('version: "0.2"', 'version: "0.3"'))
        save_draft(ws, SAMPLE_SN, "Version 0.3")
        sign_off(ws, SAMPLE_SN, "leitung")
        publish(ws, SAMPLE_SN, site)
    finally:
        path.write_text(original, "utf-8")
        save_draft(ws, SAMPLE_SN, "zurück")
    versions = [
        e["version"] for e in json.loads((site / "catalogue.json").read_text())["dokumente"]
    ]
    assert sorted(versions) == ["0.2", "0.3"]
    assert (site / "stellungnahme" / SAMPLE_SN / "0.2" / f"{SAMPLE_SN}-0.2.pdf").is_file()
    index = (site / "index.html").read_text("utf-8")
    assert (
        index.index("Version 0.3") < index.index("Frühere Versionen") < index.index("Version 0.2")
    )


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs


HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)> "Titel"'


def test_hostile_titles_are_escaped_and_slugs_are_checked(
    sample_ws: Workspace, tmp_path: Path
) -> None:
    ws = sample_ws
    path = ws.drafts_dir / SAMPLE_SN / "document.md"
    text = path.read_text("utf-8")
    start = text.index("\ntitle:") + 1
    end = text.index("\n", start)
    path.write_text(text[:start] + "title: " + json.dumps(HOSTILE) + text[end:], "utf-8")
    cfg = ws.root / "lafast.yaml"
    cfg_text = cfg.read_text("utf-8")
    cfg.write_text(cfg_text.replace("signing:\n  git: ssh\n  pdf: true\n", ""), "utf-8")
    from lafast_docs.workspace.config import load_config

    ws.config = load_config(cfg)
    ws.store.commit([path, cfg], "Titel")
    sign_off(ws, SAMPLE_SN, "leitung")
    site = tmp_path / "site"
    publish(ws, SAMPLE_SN, site)
    index = (site / "index.html").read_text("utf-8")
    parsed = _Elements()
    parsed.feed(index)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not any(name.startswith("on") for name, _v in parsed.attrs)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img" in index
    feed = ET.parse(site / "feed.atom").getroot()
    assert feed.find(
        "{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title"
    ).text == (f"{HOSTILE} (Version 0.2)")
    for entry in json.loads((site / "catalogue.json").read_text())["dokumente"]:
        assert all(f["pfad"].isascii() and "<" not in f["pfad"] for f in entry["dateien"])
    with pytest.raises(SlugError):
        publish(ws, "../<script>", site)


def test_site_pages_and_pdf_carry_the_office_logo_and_palette(chain: Chain) -> None:
    """The logo slot (templates/common/logo.svg) and brand.css reach the website, the HTML
    page and the PDF (as a figure with its alternative text)."""
    import lxml.html
    import pikepdf

    org = chain.ws.config.org_name
    index = lxml.html.fromstring((chain.site / "index.html").read_bytes())
    pages = [index, lxml.html.fromstring(next(chain.final_dir.glob("*.html")).read_bytes())]
    for dom in pages:
        [logo] = dom.xpath("//header//img[@class='logo']")
        assert logo.get("alt") == f"Logo: {org}"
        assert logo.get("src").startswith("data:image/svg+xml;base64,")
        assert "--akzent: #1f3a5f" in " ".join(dom.xpath("//style/text()"))
    with pikepdf.open(chain.pdf) as pdf:
        alts = [
            str(obj.get("/Alt"))
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure"
        ]
    assert f"Logo: {org}" in alts
