"""Versions and sign-off in the right order: `lafast version`, no sign-off of a number that is
already published with other content, and a void sign-off names exactly the change that voided
it. Through the CLI, as staff run it; nothing is written when something is refused."""

from __future__ import annotations

from click.testing import CliRunner

from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import CONFIG_NAME
from tests.conftest import SAMPLE_SN, copy_samples, git, without_signing
from tests.test_cli import _Main


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


def _unsigned(ws: Workspace) -> Workspace:
    return without_signing(copy_samples(ws, SAMPLE_SN))


def _tags(ws: Workspace) -> str:
    return git(ws, "tag", "--list")


def test_version_command_moves_forward_only(ws) -> None:
    ws = _unsigned(ws)
    code, out = run(ws, "version", SAMPLE_SN)
    assert code == 0
    assert f"{SAMPLE_SN}: Version 0.2" in out and "Veröffentlicht: noch keine" in out
    assert f"Nächste Nummer: 0.3 oder 1.0 („lafast version {SAMPLE_SN} 0.3“)" in out
    head = git(ws, "rev-parse", "HEAD")
    for wrong, message in (
        ("0.1", "hat schon Version 0.2; die neue Nummer muss höher sein als 0.2"),
        ("0.2", "hat schon Version 0.2"),
        ("eins", "„eins“ ist keine Versionsnummer."),
    ):
        code, out = run(ws, "version", SAMPLE_SN, wrong)
        assert code == 1 and message in out, out
    doc = ws.drafts_dir / SAMPLE_SN / "document.md"
    doc.write_text(doc.read_text("utf-8") + "\nNoch nicht gespeichert.\n", "utf-8")
    code, out = run(ws, "version", SAMPLE_SN, "1.0")
    assert code == 1 and "ungespeicherte Änderungen" in out
    assert git(ws, "rev-parse", "HEAD") == head and 'version: "0.2"' in doc.read_text("utf-8")
    git(ws, "checkout", "--", str(doc))

    code, out = run(ws, "version", SAMPLE_SN, "1.0")
    assert code == 0, out
    assert f"{SAMPLE_SN}: Version 0.2 → 1.0, gespeichert als " in out
    assert f"„lafast signoff {SAMPLE_SN} --as leitung“" in out
    assert 'version: "1.0"' in doc.read_text("utf-8")
    assert git(ws, "log", "-1", "--format=%s") == "Version 1.0 (vorher 0.2)\n"
    assert git(ws, "status", "--porcelain") == ""


def test_no_signoff_of_a_published_number_with_other_content(ws, tmp_path) -> None:
    ws = _unsigned(ws)
    assert run(ws, "signoff", SAMPLE_SN, "--as", "leitung")[0] == 0
    site = str(tmp_path / "site")
    code, out = run(ws, "publish", SAMPLE_SN, "--site", site)
    assert code == 0, out
    code, out = run(ws, "version", SAMPLE_SN)
    assert "Veröffentlicht: 0.2" in out

    doc = ws.drafts_dir / SAMPLE_SN / "document.md"
    doc.write_text(doc.read_text("utf-8") + "\nEin Satz mehr.\n", "utf-8")
    assert run(ws, "save", SAMPLE_SN, "-m", "Satz ergänzt")[0] == 0
    tags = _tags(ws)
    code, out = run(ws, "signoff", SAMPLE_SN, "--as", "leitung")
    assert code == 7
    assert f"Version 0.2 von „{SAMPLE_SN}“ ist schon mit anderem Inhalt veröffentlicht" in out
    assert f"„lafast version {SAMPLE_SN} 0.3“, dann freigeben." in out
    assert _tags(ws) == tags  # no approval recorded
    code, out = run(ws, "render", SAMPLE_SN, "--final")
    assert code == 7 and "schon mit anderem Inhalt veröffentlicht" in out
    code, out = run(ws, "version", SAMPLE_SN, "0.2")
    assert code == 1 and "ist schon veröffentlicht" in out

    assert run(ws, "version", SAMPLE_SN, "0.3")[0] == 0
    code, out = run(ws, "signoff", SAMPLE_SN, "--as", "leitung")
    assert code == 0, out


def test_void_signoff_names_exactly_the_change(ws) -> None:
    ws = _unsigned(ws)
    assert run(ws, "signoff", SAMPLE_SN, "--as", "leitung")[0] == 0
    cfg = ws.root / CONFIG_NAME
    cfg.write_text(
        cfg.read_text("utf-8").replace('remote: ""', 'remote: "/srv/git/lafast.git"'), "utf-8"
    )
    git(ws, "commit", "-qam", "Gemeinsames Archiv eingetragen")
    _code, out = run(ws, "signoff", "status", SAMPLE_SN)
    assert "gültig" in out and "UNGÜLTIG" not in out  # the remote is not part of the content
    doc = ws.drafts_dir / SAMPLE_SN / "document.md"
    doc.write_text(doc.read_text("utf-8") + "\nEin Satz mehr.\n", "utf-8")
    assert run(ws, "save", SAMPLE_SN, "-m", "Satz ergänzt")[0] == 0
    text_commit = git(ws, "rev-parse", "--short", "HEAD").strip()
    _code, out = run(ws, "signoff", "status", SAMPLE_SN)
    assert "UNGÜLTIG" in out
    assert (
        f"Nach der Freigabe geändert: Text oder Bilder des Entwurfs – in {text_commit} "
        "„Satz ergänzt“ (Test Referentin)." in out
    )
    assert "Gemeinsames Archiv" not in out and "lafast.yaml" not in out
    cfg.write_text(cfg.read_text("utf-8").replace("Musterstraße 12", "Musterstraße 14"), "utf-8")
    git(ws, "commit", "-qam", "Neue Anschrift")
    org_commit = git(ws, "rev-parse", "--short", "HEAD").strip()
    _code, out = run(ws, "signoff", "status", SAMPLE_SN)
    assert f"Angaben der Organisation in lafast.yaml – in {org_commit} „Neue Anschrift“" in out
    assert "Gemeinsames Archiv" not in out
