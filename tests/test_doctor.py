"""lafast doctor: every missing piece is named with its fix."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from lafast_docs.external import pandoc
from lafast_docs.office.doctor import ERROR, NOTE, OK, diagnose
from lafast_docs.workspace.config import load_config

from .test_cli import run


def by_topic(findings):
    return {f.topic: f for f in findings}


def test_ready_workspace_with_reachable_remote(ws, tmp_path) -> None:
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    cfg = ws.root / "lafast.yaml"
    cfg.write_text(cfg.read_text("utf-8").replace('remote: ""', f'remote: "{bare}"'), "utf-8")
    code, out, err = run(["doctor", "--json"], cwd=ws.root)
    found = {f["thema"]: f for f in json.loads(out)}
    assert found["Gemeinsames Archiv"]["status"] == OK, found
    assert found["pandoc"]["status"] == OK and "3." in found["pandoc"]["befund"]
    assert found["WeasyPrint"]["status"] == OK
    assert found["Schriften"]["status"] == OK
    assert code == 0, out + err


def test_fresh_machine_names_every_missing_piece(ws, tmp_path, monkeypatch) -> None:
    # no git identity, no pandoc, no java, no fontconfig; an unreachable remote
    home = tmp_path / "home"
    home.mkdir()
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("LAFAST_PANDOC", str(tmp_path / "gibt-es-nicht" / "pandoc"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(shutil.which("git"), bin_dir / "git")
    monkeypatch.setenv("PATH", str(bin_dir))
    cfg = ws.root / "lafast.yaml"
    cfg.write_text(
        cfg.read_text("utf-8").replace('remote: ""', f'remote: "{tmp_path}/fehlt.git"'), "utf-8"
    )
    ws.config = load_config(cfg)
    pandoc.get_pandoc.cache_clear()
    try:
        findings = by_topic(diagnose(ws))
    finally:
        pandoc.get_pandoc.cache_clear()
    assert findings["pandoc"].status == ERROR and "pip install" in findings["pandoc"].fix
    assert findings["Ihr Name für Änderungen"].status == ERROR
    assert "git config --global user.name" in findings["Ihr Name für Änderungen"].fix
    assert findings["Gemeinsames Archiv"].status == ERROR
    assert "fehlt.git" in findings["Gemeinsames Archiv"].detail
    assert findings["Java (für PDF-Prüfung)"].status == NOTE
    assert findings["Schriften"].status == NOTE and "fontconfig" in findings["Schriften"].fix
    assert findings["Arbeitsbereich"].status == NOTE  # lafast.yaml was edited, not saved
    assert all(f.fix for f in findings.values() if f.status != OK)


def test_outside_a_workspace(tmp_path: Path) -> None:
    code, out, _err = run(["doctor"], cwd=tmp_path)
    assert "Arbeitsbereich: Hier" in out and "lafast init ORDNER" in out
    assert code == 0, out  # everything installed here: no errors outside a workspace


def test_signing_keys_and_certificate_expiry(sample_ws, tmp_path, monkeypatch) -> None:
    import datetime as dt

    from lafast_docs.office.doctor import _signing_git, _signing_pdf

    from .keys import PASSWORD_ENV, make_keys, use

    ws = sample_ws  # the demo configuration asks for SSH-signed approvals and signed PDFs
    assert _signing_git(ws).status == ERROR and "signing setup" in _signing_git(ws).fix
    assert _signing_pdf(ws).status == ERROR and "pkcs12" in _signing_pdf(ws).fix

    keys = make_keys(tmp_path / "schluessel", allowed={"miriam-albers": "albers"})
    use(ws, keys, "albers")
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    assert _signing_git(ws).status == NOTE and "roles:" in _signing_git(ws).fix
    local = ws.store.git_dir() / "lafast-local.yaml"
    pinned = "git:\n  roles:\n    leitung: [miriam-albers]\n"
    local.write_text(local.read_text("utf-8").replace("git:\n", pinned), "utf-8")
    assert _signing_git(ws).status == OK
    missing_pw = _signing_pdf(ws)
    assert missing_pw.status == ERROR and PASSWORD_ENV in missing_pw.detail
    monkeypatch.setenv(PASSWORD_ENV, "geheim")
    no_tsa = _signing_pdf(ws)  # works, but signatures end with the certificate
    assert no_tsa.status == NOTE and "ohne Zeitstempeldienst" in no_tsa.detail, no_tsa
    assert "--timestamp-url" in no_tsa.fix
    # the test certificate runs 825 days: 800 days from now it is about to end
    soon = _signing_pdf(ws, today=dt.date.today() + dt.timedelta(days=800))
    assert soon.status == ERROR and soon.detail.startswith("läuft am ")
    gone = _signing_pdf(ws, today=dt.date.today() + dt.timedelta(days=900))
    assert gone.status == ERROR and gone.detail.startswith("abgelaufen am ")
    local.write_text(local.read_text("utf-8").replace("pdf:\n", "pdf:\n  farbe: rot\n"), "utf-8")
    typo = _signing_pdf(ws)
    assert typo.status == ERROR and "Unbekannter Eintrag „farbe“ unter pdf" in typo.detail
    local.write_text(local.read_text("utf-8").replace("  farbe: rot\n", ""), "utf-8")
    keys.key("albers").unlink()
    assert _signing_git(ws).status == ERROR
