"""Locks by construction: every leaf command of the CLI runs on a real workspace (after a
consultation round with answers, decisions and consensus); a command that changes a tracked
file, git's HEAD or refs must be declared state-changing where it is defined (cli/base.py), so
that it runs under the workspace lock with crash journal and recovery.

The commands come from the click tree: a new command fails here until it has sample arguments
in SAMPLES below."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from lafast_docs.cli import cli
from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.rounds import open_round
from lafast_docs.decisions.disposition import decide
from lafast_docs.decisions.sheet import export
from lafast_docs.office.demo import make_demo_keys, use_key
from lafast_docs.workspace.create import init_workspace

from .conftest import GIT_ENV, SAMPLE_FS, SAMPLE_SN, copy_samples, entry, lag_confirms
from .intake_files import fill_yaml_form
from .test_cli import run

ROUND_1 = f"lafast/{SAMPLE_FS}/runde-1"

# command path -> (arguments, expected exit code); {ws} is the workspace, {tmp} a folder
# outside it with a second answer ({tmp}/caritas.yaml) and a disposition table
# ({tmp}/abwaegung.yaml). Rendering commands use their cheapest format.
SAMPLES: dict[str, tuple[list[str], int]] = {
    "init": (["{tmp}/neu"], 0),
    "org add": (["neuer-traeger", "--name", "Neuer Träger e. V.", "--type", "traeger"], 0),
    "org list": (["--json"], 0),
    "org remove": (["diakonie-sachsen"], 0),
    "doctor": ([], 0),
    "completion": (["bash"], 0),
    "new": (["stellungnahme", "--title", "Zur neuen Richtlinie"], 0),
    "list": ([], 0),
    "status": ([], 0),
    "save": ([SAMPLE_SN, "-m", "Nichts geändert"], 0),
    "version": ([SAMPLE_SN, "0.3"], 0),
    "log": ([SAMPLE_FS], 0),
    "diff": ([SAMPLE_FS, ROUND_1, "arbeitskopie"], 0),
    "check": ([SAMPLE_FS], 0),
    "register list": ([], 0),
    "register used": (["betreuungsschluessel"], 0),
    "register set": (["msa-koordination", "56", "--ab", "2027-01-01"], 0),
    "render": ([SAMPLE_SN, "--format", "html"], 0),
    "vorschau": (["gibt-es-nicht"], 1),  # a server runs until Ctrl-C: the refusal only
    "consult open": ([SAMPLE_SN, "--deadline", "2026-12-20", "--invite", "awo-sachsen"], 0),
    "consult status": ([SAMPLE_FS], 0),
    "consult formulare": ([SAMPLE_FS, "--org", "awo-sachsen"], 0),
    "consult close": ([SAMPLE_FS], 0),
    "consult mail": ([SAMPLE_FS, "erinnerung"], 0),  # drafts, recorded in versand.yaml
    "comments import": (["{tmp}/caritas.yaml"], 0),
    "comments list": ([SAMPLE_FS, "--json"], 0),
    "comments reply": ([SAMPLE_FS, "--format", "docx", "-o", "{tmp}/antworten"], 0),
    "comments show": (["AWO-MF-001"], 0),
    "decide": (["AWO-MF-002", "--reject", "--reason", "Nicht umsetzbar."], 0),
    "disposition export": ([SAMPLE_FS, "--format", "yaml", "-o", "{tmp}/export.yaml"], 0),
    "disposition import": (["{tmp}/abwaegung.yaml"], 0),
    "consensus record": (
        [
            *(SAMPLE_FS, "--gremium", "lag-fsa-msa", "--date", "2026-12-10"),
            *("--participants", "Selin Kaya", "--all-accepted"),
        ],
        0,
    ),
    "merge": ([SAMPLE_FS], 0),
    "blame": ([SAMPLE_FS, "--rn", "100"], 0),
    "synopse": ([SAMPLE_FS, ROUND_1, "HEAD", "--format", "xlsx"], 0),
    "redline": ([SAMPLE_FS, ROUND_1, "HEAD", "--format", "html"], 0),
    "signing setup": (["--person", "miriam-albers", "--key", "{tmp}/kein-schluessel"], 7),
    "signing seal": (["--timestamp-url", ""], 0),
    "signing ca": (
        ["{tmp}/ca", "--password-env", "LAFAST_X", "--root-password-env", "LAFAST_Y"],
        7,
    ),
    "signing revoke": (["{tmp}/ca", "--root-password-env", "LAFAST_Y"], 7),  # no such CA
    "signing archive": (["--site", "{tmp}"], 7),  # nothing published there
    "signoff erteilen": ([SAMPLE_SN, "--as", "leitung"], 0),
    "signoff status": ([SAMPLE_SN], 0),
    "publish": ([SAMPLE_SN, "--site", "{tmp}/site"], 7),  # not signed off (rendering is slow)
    "verify": (["{tmp}/caritas.yaml"], 8),  # not a published file: not authentic
    "sync": ([], 6),  # no shared remote in lafast.yaml
    "join": (["{tmp}/fehlt.git", "{tmp}/kollegin"], 6),  # no such remote
    "conflict show": ([], 0),
    "conflict keep": (["1", "--theirs"], 6),  # no open conflict
    "config save": (["-m", "Nichts geändert"], 0),
    # the whole demo takes minutes (test_cli runs it); pointed at the workspace, it must refuse
    # to replace it and leave it as it was
    "demo": (["{ws}"], 1),
}


def leaves(group: click.Group, prefix: str = "") -> list[str]:
    found = []
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            found += leaves(cmd, f"{prefix}{name} ")
        else:
            found.append(prefix + name)
    return found


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A workspace after a round on the Fachstandard: two AWO comments, one accepted with the
    LAG's consensus (so merge has work), one open; the Leitung's signing key (demo keys, in
    .git); plus the files the commands read."""
    mp = pytest.MonkeyPatch()
    for key, value in GIT_ENV.items():
        mp.setenv(key, value)
    try:
        base = tmp_path_factory.mktemp("state")
        ws = copy_samples(init_workspace(base / "ws"), SAMPLE_FS, SAMPLE_SN)
        rnd = open_round(
            ws,
            SAMPLE_FS,
            deadline=dt.date(2026, 12, 20),
            invite=["awo-sachsen", "caritas-dresden"],
            today=dt.date(2026, 11, 21),
        )
        files = base / "dateien"
        files.mkdir()
        forms = rnd.folder / "formulare"
        awo = files / "awo.yaml"
        awo.write_bytes(
            fill_yaml_form(
                forms / "awo-sachsen" / f"{SAMPLE_FS}-runde-1-awo-sachsen.yaml",
                entry(100, "mindestens drei Monaten", "mindestens sechs Monaten")
                + entry(
                    110, "sollen deshalb unbefristet", "sollen deshalb grundsätzlich unbefristet"
                ),
            )
        )
        assert import_files(ws, [awo])[0].ids == ["AWO-MF-001", "AWO-MF-002"]
        decide(ws, "AWO-MF-001", "angenommen")
        lag_confirms(ws, ["AWO-MF-001"])
        (files / "caritas.yaml").write_bytes(
            fill_yaml_form(
                forms / "caritas-dresden" / f"{SAMPLE_FS}-runde-1-caritas-dresden.yaml",
                entry(100, "mindestens drei Monaten", "mindestens vier Monaten"),
            )
        )
        export(ws, SAMPLE_FS, fmt="yaml", target=files / "abwaegung.yaml")
        use_key(ws, make_demo_keys(ws), "miriam-albers")  # signed sign-offs, as lafast.yaml asks
        assert not git(ws.root, "status", "--porcelain"), "the prepared workspace is clean"
    finally:
        mp.undo()
    return ws.root, files


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout


def snapshot(root: Path) -> dict[str, str]:
    """What a state-changing command changes: tracked files, HEAD and every ref."""
    return {
        "HEAD": git(root, "rev-parse", "HEAD") + git(root, "symbolic-ref", "-q", "HEAD"),
        "refs": git(root, "for-each-ref", "--format=%(refname) %(objectname)"),
        "tracked files": git(root, "status", "--porcelain", "--untracked-files=no")
        + git(root, "diff", "HEAD"),
    }


@pytest.mark.parametrize("path", leaves(cli))
def test_a_command_that_changes_state_says_so(path: str, prepared, tmp_path: Path) -> None:
    if path not in SAMPLES:
        pytest.fail(
            f"„lafast {path}“ hat keine Beispielangaben: add its arguments and exit code to "
            "SAMPLES in tests/test_cli_state.py"
        )
    src, files = prepared
    ws, tmp = tmp_path / "ws", tmp_path / "tmp"
    shutil.copytree(src, ws, symlinks=True)
    shutil.copytree(files, tmp)
    args, expected = SAMPLES[path]
    argv = ["-w", str(ws), *path.split(), *(a.format(ws=ws, tmp=tmp) for a in args)]
    before = snapshot(ws)
    code, out, err = run(argv, cwd=tmp)
    assert code == expected, f"lafast {path}: exit {code}\n{out}\n{err}"
    cmd = cli
    for word in path.split():
        cmd = cmd.commands[word]  # type: ignore[attr-defined]
    if getattr(cmd, "changes_state", False):
        return
    after = snapshot(ws)
    for what in before:
        assert before[what] == after[what], (
            f"„lafast {path}“ changed {what} but is not declared state-changing: give it "
            "changes_state=True where it is defined (lafast_docs/cli/)"
        )


def test_every_leaf_command_has_samples() -> None:
    assert not set(SAMPLES) - set(leaves(cli)), "SAMPLES names a command that no longer exists"
