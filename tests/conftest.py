"""Fixtures: real git workspaces in temp folders, real pandoc, real WeasyPrint."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.external import resources
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import CONFIG_NAME, load_config
from lafast_docs.workspace.create import init_workspace

REPO = Path(__file__).resolve().parent.parent
SAMPLE_FS = "mindeststandards-fsa"
SAMPLE_SN = "stellungnahme-verordnung-unterbringung"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Referentin",
    "GIT_AUTHOR_EMAIL": "test@lafast.invalid",
    "GIT_COMMITTER_NAME": "Test Referentin",
    "GIT_COMMITTER_EMAIL": "test@lafast.invalid",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the expected outputs in tests/golden/ instead of comparing (test_golden.py).",
    )


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh workspace (git repository with lafast.yaml) in a temp folder."""
    return init_workspace(tmp_path / "arbeitsbereich")


def copy_samples(ws: Workspace, *slugs: str) -> Workspace:
    shutil.copyfile(resources.data_dir() / "demo" / CONFIG_NAME, ws.root / CONFIG_NAME)
    shutil.copyfile(resources.data_dir() / "demo" / "kennzahlen.yaml", ws.root / "kennzahlen.yaml")
    ws.config = load_config(ws.root / CONFIG_NAME)
    for slug in slugs:
        shutil.copytree(resources.sample_drafts() / slug, ws.drafts_dir / slug)
    ws.store.commit([ws.root], "Beispiele übernommen")
    return ws


def without_signing(ws: Workspace) -> Workspace:
    """The demo configuration with unsigned approvals and PDFs (tests that need no keys)."""
    cfg = ws.root / CONFIG_NAME
    text = (
        cfg.read_text("utf-8").replace("git: ssh", "git: none").replace("pdf: true", "pdf: false")
    )
    cfg.write_text(text, "utf-8")
    ws.config = load_config(cfg)
    ws.store.commit([cfg], "ohne Signatur")
    return ws


@pytest.fixture
def sample_ws(ws: Workspace) -> Workspace:
    """A workspace with the demo configuration and both shipped sample drafts."""
    return copy_samples(ws, SAMPLE_FS, SAMPLE_SN)


@pytest.fixture(scope="session")
def rendered_samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Both samples rendered once in every format (rendering 20 pages takes seconds)."""
    from lafast_docs.outputs.document import render

    mp = pytest.MonkeyPatch()
    for key, value in GIT_ENV.items():
        mp.setenv(key, value)
    try:
        ws = copy_samples(
            init_workspace(tmp_path_factory.mktemp("samples") / "ws"), SAMPLE_FS, SAMPLE_SN
        )
        result = {
            slug: {o.format: o.path for o in render(ws, slug)} for slug in (SAMPLE_FS, SAMPLE_SN)
        }
    finally:
        mp.undo()
    return result


def write_draft_body(ws: Workspace, slug: str, body: str, *, extra_meta: str = "") -> Path:
    """Create a minimal fachstandard draft with `body` (not committed)."""
    folder = ws.drafts_dir / slug
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "document.md"
    path.write_text(
        f'---\ntype: fachstandard\ntitle: "Test {slug}"\nversion: "0.1"\n{extra_meta}---\n\n'
        + body,
        encoding="utf-8",
    )
    return path


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def git(ws: Workspace, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ws.root), *args], capture_output=True, text=True, check=True
    ).stdout


# -- a Fachstandard after a consultation round (decisions, consensus, merge, replies) ---------
TODAY = dt.date(2026, 11, 21)


@pytest.fixture
def fs_ws(ws: Workspace, tmp_path: Path) -> Workspace:
    """The Fachstandard (consensus of lag-fsa-msa required) after a round with YAML answers."""
    from lafast_docs.consultation.rounds import open_round
    from lafast_docs.text.drafts import load_draft
    from lafast_docs.text.history import model_of

    from .intake_files import fill_yaml_form

    ws = copy_samples(ws, SAMPLE_FS)
    rnd = open_round(
        ws,
        SAMPLE_FS,
        deadline=dt.date(2026, 12, 20),
        invite=["awo-sachsen", "caritas-dresden"],
        today=TODAY,
    )
    blocks = model_of(load_draft(ws, SAMPLE_FS)).blocks
    ws.blocks = blocks  # type: ignore[attr-defined]

    def submit(org: str, entries: str) -> list[str]:
        form = rnd.folder / "formulare" / org / f"{SAMPLE_FS}-runde-1-{org}.yaml"
        path = tmp_path / f"{org}-{len(list(tmp_path.iterdir()))}.yaml"
        path.write_bytes(fill_yaml_form(form, entries))
        res = import_files(ws, [path])
        assert res[0].status == "importiert", res[0].message
        return res[0].ids

    ws.submit = submit  # type: ignore[attr-defined]
    return ws


def lag_confirms(ws: Workspace, ids: list[str]) -> None:
    """The LAG's consensus (required for Fachstandards in the demo configuration)."""
    from lafast_docs.decisions.consensus import record

    record(
        ws,
        SAMPLE_FS,
        gremium="lag-fsa-msa",
        date=dt.date(2026, 12, 10),
        participants=["Selin Kaya"],
        confirms=ids,
    )


def entry(rn: int, quote: str, new: str, text: str = "Bitte ändern.") -> str:
    return (
        f'  - rn: {rn}\n    art: inhaltlich\n    zitat: "{quote}"\n'
        f'    anmerkung: "{text}"\n    aenderungsvorschlag: "{new}"\n'
    )


def assert_pdf_ua1(path: Path) -> None:
    """veraPDF (tests/checkers/verapdf.py) finds the PDF compliant with PDF/UA-1."""
    from tests.checkers import verapdf  # fails the test with its set-up line when not set up

    proc = verapdf.validate(path, "ua1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "compliant=true" in proc.stdout, proc.stdout


def libreoffice_convert(src: Path, to: str, outdir: Path) -> Path:
    """Convert `src` with LibreOffice (headless, own profile); returns the written file.
    `to` is a filter spec such as "docx", "xlsx:Calc MS Excel 2007 XML" or "txt:Text…"."""
    from tests.checkers import need, tool  # a missing one fails the test with its install line

    need("libreoffice-writer-nogui", "libreoffice-calc-nogui")
    soffice = tool("soffice")
    outdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{outdir}/.lo-profile",
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = outdir / f"{src.stem}.{to.split(':')[0]}"
    assert out.is_file(), proc.stdout + proc.stderr
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def git_daemon(tmp_path):
    """A real `git daemon` on 127.0.0.1 serving tmp_path/served, pushes allowed."""
    served = tmp_path / "served"
    served.mkdir()
    bare = served / "fachstelle.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    port = free_port()
    proc = subprocess.Popen(
        [
            "git",
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--enable=receive-pack",
            "--listen=127.0.0.1",
            f"--port={port}",
            f"--base-path={served}",
            str(served),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"git://127.0.0.1:{port}/fachstelle.git"
    for _ in range(200):  # wait until it accepts connections
        if subprocess.run(["git", "ls-remote", url], capture_output=True).returncode == 0:
            break
        time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A time-stamping service, OCSP responder and CRLs on 127.0.0.1 (tests/pki.py), one per
    test module."""
    from lafast_docs.release import signing
    from tests.pki import start_pki

    server = start_pki(tmp_path_factory.mktemp("pki"))
    yield server
    server.server.shutdown()
    # the time-stamping client of this process keeps its connection to this server open; a
    # later module's server could get the same port
    signing._timestamper.cache_clear()
