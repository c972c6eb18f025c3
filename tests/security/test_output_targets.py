"""Outputs go only where they belong (issue 13, section 4): `--out`, `-o` and `--site` never
write into `.git` or over the workspace's own files; `publish` never follows or writes through
a symlink in the site, and every file it writes is 0644."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.errors import PublishError, TargetNotAllowed
from lafast_docs.release.publish import publish
from lafast_docs.release.signoff import sign_off
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.create import init_workspace
from lafast_docs.workspace.targets import output_target

from ..conftest import GIT_ENV, SAMPLE_SN, copy_samples
from ..keys import PASSWORD_ENV, make_keys, use
from ..test_cli import _Main

TAG = f"lafast/{SAMPLE_SN}/runde-1"


@dataclass
class Signed:
    ws: Workspace
    outside: Path  # a folder outside the workspace and the site


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory):
    """The Stellungnahme signed off (a key made in the test), its final version rendered once."""
    mp = pytest.MonkeyPatch()
    for key, value in {**GIT_ENV, PASSWORD_ENV: "geheim"}.items():
        mp.setenv(key, value)
    root = tmp_path_factory.mktemp("ziele")
    ws = copy_samples(init_workspace(root / "ws"), SAMPLE_SN)
    use(ws, make_keys(root / "schluessel", allowed={"miriam-albers": "albers"}), "albers")
    sign_off(ws, SAMPLE_SN, "leitung", note="Leitungsrunde")
    outside = root / "ausserhalb"
    outside.mkdir()
    yield Signed(ws, outside)
    mp.undo()


def tree(root: Path) -> dict[str, bytes]:
    """Every file below `root` (the workspace including .git, without the lock)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink() and "lafast" not in p.relative_to(root).parts[:2]
    }


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_Main(), ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


COMMANDS = {
    "render": ("render", SAMPLE_SN, "--format", "html", "--out"),
    "render-o": ("render", SAMPLE_SN, "--format", "html", "-o"),
    "synopse": ("synopse", SAMPLE_SN, "HEAD", "HEAD", "--format", "xlsx", "--out"),
    "redline": ("redline", SAMPLE_SN, "HEAD", "HEAD", "--format", "html", "--out"),
    "reply": ("comments", "reply", SAMPLE_SN, "--out"),
    "disposition": ("disposition", "export", SAMPLE_SN, "-o"),
    "publish": ("publish", SAMPLE_SN, "--site"),
}
TARGETS = {  # where -> (folder below the workspace, file for -o FILE, the German reason)
    "git": (".git/ausgabe", ".git/x.xlsx", "Der Ordner liegt in .git"),
    "git-hooks": (".git/hooks", ".git/hooks/post-commit", "Der Ordner liegt in .git"),
    "git-gross": (".GIT/x", ".GIT/x.xlsx", "Der Ordner liegt in .git"),
    "lafast-yaml": ("templates", "lafast.yaml", "gehört zu den Dateien, die der Arbeitsbereich"),
    "drafts": ("drafts", f"drafts/{SAMPLE_SN}/document.md", "„drafts“ gehört zu den Dateien"),
    "drafts-neu": (f"drafts/{SAMPLE_SN}/neu", "drafts/x.xlsx", "„drafts“ gehört zu den Dateien"),
    "comments": ("comments", "comments/x.xlsx", "„comments“ gehört zu den Dateien"),
    "workspace": (".", ".", "Das ist der Arbeitsbereich selbst"),
}


@pytest.mark.parametrize(
    ("command", "target"),
    [  # -o FILE of the disposition sheet: the workspace folder itself is click's to refuse
        (c, t)
        for c in sorted(COMMANDS)
        for t in sorted(TARGETS)
        if not (c == "disposition" and t == "workspace")
    ],
)
def test_output_options_refuse_git_and_tracked_files(signed, command, target) -> None:
    ws = signed.ws
    folder, file, reason = TARGETS[target]
    rel = file if command == "disposition" else folder
    before = tree(ws.root)
    code, out = run(ws, *COMMANDS[command], str(ws.root / rel))
    assert code == 1, out
    option = {"publish": "--site", "disposition": "-o"}.get(command, "--out")
    assert f"Fehler: {option} {ws.root / rel}: " in out and reason in out, out
    assert "Was tun: Wählen Sie einen eigenen Ordner" in out
    assert tree(ws.root) == before


def test_a_link_into_git_is_refused_like_git_itself(signed, tmp_path) -> None:
    link = tmp_path / "ausgabe"
    link.symlink_to(signed.ws.root / ".git")
    with pytest.raises(TargetNotAllowed, match=r"liegt in \.git"):
        output_target(signed.ws, link / "x", option="--out")
    link2 = tmp_path / "entwuerfe"
    link2.symlink_to(signed.ws.root / "drafts")
    with pytest.raises(TargetNotAllowed, match="„drafts“ gehört zu den Dateien"):
        output_target(signed.ws, link2, option="--out")


def test_build_and_outside_folders_are_fine(signed, tmp_path) -> None:
    ws = signed.ws
    assert output_target(ws, ws.root / "build" / "x", option="--out") == ws.root / "build" / "x"
    assert output_target(ws, tmp_path / "site", option="--site") == tmp_path / "site"


# -- publish: symlinks in the site, file modes -----------------------------------------------------
def site_with(signed: Signed, tmp_path: Path, link: str, to: Path) -> Path:
    site = tmp_path / "website"
    (site / link).parent.mkdir(parents=True, exist_ok=True)
    (site / link).symlink_to(to)
    return site


@pytest.mark.parametrize(
    ("link", "kind"),
    [
        ("stellungnahme", "dir"),  # the type folder
        (f"stellungnahme/{SAMPLE_SN}", "dir"),
        ("index.html", "file"),
        ("catalogue.json", "file"),
        ("SHA256SUMS", "file"),
        ("feed.atom", "file"),
    ],
)
def test_publish_refuses_symlinks_in_the_site(signed, tmp_path, link, kind) -> None:
    outside = tmp_path / "fremd"
    outside.mkdir()
    victim = outside / "wichtig.txt"
    victim.write_text("nicht überschreiben")
    site = site_with(signed, tmp_path, link, outside if kind == "dir" else victim)
    with pytest.raises(PublishError) as err:
        publish(signed.ws, SAMPLE_SN, site)
    assert err.value.message.startswith(f"In der Website ist „{site / link}“ eine Verknüpfung")
    assert [p.name for p in outside.iterdir()] == ["wichtig.txt"]
    assert victim.read_text() == "nicht überschreiben"
    assert [p for p in site.rglob("*") if not p.is_symlink() and p.is_file()] == []


def test_publish_writes_0644_whatever_it_replaces(signed, tmp_path) -> None:
    site = tmp_path / "website"
    site.mkdir()
    for name, mode in (("index.html", 0o600), ("feed.atom", 0o777), ("SHA256SUMS", 0o640)):
        (site / name).write_text("alt")
        os.chmod(site / name, mode)
    old = os.umask(0o077)  # even a strict umask gives the web server readable files
    try:
        publish(signed.ws, SAMPLE_SN, site)
    finally:
        os.umask(old)
    files = [p for p in site.rglob("*") if p.is_file()]
    assert len(files) >= 7
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in files} == {p.name: 0o644 for p in files}
