"""Crash safety: real `lafast` processes killed with SIGKILL at every named point of an import,
a decision, a merge and a render (journal.POINTS). After each kill every file is either old or
new; a rerun of the same command finishes the work exactly once: the workspace then equals
the one from an uninterrupted run (same files, same number of commits, clean git status).

The points are not guessed: an uninterrupted reference run records every point it passes
(LAFAST_CRASH_TRACE), then each of them is tried (LAFAST_CRASH_AT=point:n)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.rounds import open_round
from lafast_docs.decisions.disposition import decide
from lafast_docs.outputs.document import render
from lafast_docs.storage.journal import POINTS
from lafast_docs.workspace.create import init_workspace

from .conftest import GIT_ENV, REPO, SAMPLE_FS, SAMPLE_SN, copy_samples, write_draft_body
from .intake_files import fill_yaml_form
from .test_merge import lag_confirms

pytestmark = pytest.mark.slow
STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[+-]\d\d:\d\d|Z)?")


def lafast(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lafast_docs", "-w", str(root), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **GIT_ENV, "PYTHONPATH": str(REPO), **env},
        check=False,
    )


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def same(path: str, a: bytes | None, b: bytes | None) -> bool:
    """Equal content; time stamps (import/decision times) and PDF internals aside."""
    if a is None or b is None:
        return a is b
    if path.endswith(".pdf"):
        from io import BytesIO

        from pypdf import PdfReader

        def text(d: bytes) -> str:
            return "\n".join(p.extract_text() or "" for p in PdfReader(BytesIO(d)).pages)

        return a == b or text(a) == text(b)
    if path.endswith(".docx"):
        import zipfile
        from io import BytesIO

        def doc(d: bytes) -> bytes:
            return zipfile.ZipFile(BytesIO(d)).read("word/document.xml")

        return a == b or doc(a) == doc(b)
    return STAMP.sub(b"T", a) == STAMP.sub(b"T", b)


def assert_cache_entries(data: bytes, old: bytes | None, new: bytes | None) -> None:
    """The render cache is updated format by format: each entry is the old or the new one."""
    import json

    before, after = (json.loads(d) if d else {} for d in (old, new))
    for name, entry in json.loads(data).items():
        assert entry in (before.get(name), after.get(name)), name


def commits(root: Path) -> int:
    return int(subprocess.check_output(["git", "-C", str(root), "rev-list", "--count", "HEAD"]))


def _env():
    mp = pytest.MonkeyPatch()
    for k, v in GIT_ENV.items():
        mp.setenv(k, v)
    return mp


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> dict[str, tuple[Path, list[str]]]:
    """Pristine workspaces, one per command, and the command to kill."""
    mp = _env()
    base = tmp_path_factory.mktemp("crash")
    inbox = base / "eingang"
    inbox.mkdir()
    try:
        # import: a round on the Stellungnahme, two returned YAML forms in one command
        sn = copy_samples(init_workspace(base / "import"), SAMPLE_SN)
        rnd = open_round(
            sn,
            SAMPLE_SN,
            deadline=dt.date(2026, 12, 15),
            invite=["awo-sachsen", "diakonie-sachsen"],
            today=dt.date(2026, 11, 21),
        )
        for org in ("awo-sachsen", "diakonie-sachsen"):
            form = rnd.folder / "formulare" / org / f"{SAMPLE_SN}-runde-1-{org}.yaml"
            (inbox / f"{org}.yaml").write_bytes(
                fill_yaml_form(form, f'  - rn: 2\n    anmerkung: "Anmerkung von {org}."\n')
            )
        # merge (and decide): the Fachstandard with an imported, accepted, confirmed proposal
        fs = copy_samples(init_workspace(base / "merge"), SAMPLE_FS)
        rnd = open_round(
            fs,
            SAMPLE_FS,
            deadline=dt.date(2026, 12, 20),
            invite=["awo-sachsen"],
            today=dt.date(2026, 11, 21),
        )
        form = rnd.folder / "formulare" / "awo-sachsen" / f"{SAMPLE_FS}-runde-1-awo-sachsen.yaml"
        (inbox / "fs.yaml").write_bytes(
            fill_yaml_form(
                form,
                '  - rn: 100\n    art: inhaltlich\n    zitat: "mindestens drei Monaten"\n'
                '    anmerkung: "Länger."\n    aenderungsvorschlag: "mindestens sechs Monaten"\n'
                '  - rn: 2\n    anmerkung: "Zur Kenntnis."\n',
            )
        )
        ids = import_files(fs, [inbox / "fs.yaml"])[0].ids
        shutil.copytree(fs.root, base / "decide")
        decide(fs, ids[0], "angenommen")
        lag_confirms(fs, [ids[0]])
        # render: a small draft rendered once, then changed and saved
        rw = init_workspace(base / "render")
        write_draft_body(rw, "kurz", "# Ziel\n\nErste Fassung des Textes.\n")
        rw.store.commit([rw.drafts_dir], "Entwurf")
        render(rw, "kurz", formats=("pdf", "html"))
        write_draft_body(rw, "kurz", "# Ziel\n\nZweite Fassung des Textes, länger.\n")
        rw.store.commit([rw.drafts_dir], "Entwurf geändert")
    finally:
        mp.undo()
    return {
        "import": (
            sn.root,
            [
                "comments",
                "import",
                str(inbox / "awo-sachsen.yaml"),
                str(inbox / "diakonie-sachsen.yaml"),
            ],
        ),
        "decide": (base / "decide", ["decide", ids[1], "--noted", "--reason", "Gesehen."]),
        "merge": (fs.root, ["merge", SAMPLE_FS]),
        "render": (rw.root, ["render", "kurz", "--format", "pdf,html"]),
    }


@pytest.mark.parametrize("command", ["import", "decide", "merge", "render"])
def test_kill_at_every_point_then_rerun(scenarios, tmp_path, command) -> None:
    pristine, args = scenarios[command]
    reference = tmp_path / "ref"
    shutil.copytree(pristine, reference)
    trace = tmp_path / "trace.txt"
    done = lafast(reference, *args, LAFAST_CRASH_TRACE=str(trace))
    assert done.returncode == 0, done.stderr
    points = trace.read_text().split()
    print(f"{command}: {len(points)} crash points: {' '.join(points)}")  # shown with -s
    assert {p.split(":")[0] for p in points} >= {"write-replaced", "command-done"}
    assert {p.split(":")[0] for p in points} <= set(POINTS)
    old, new = files(pristine), files(reference)
    assert old != new
    for point in points:
        work = tmp_path / point.replace(":", "-")
        shutil.copytree(pristine, work)
        killed = lafast(work, *args, LAFAST_CRASH_AT=point)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        now = files(work)
        for path in set(now) | set(old) | set(new):
            got = now.get(path)
            if path.endswith(".tmp"):
                continue  # a temp file of the killed process; the rerun removes it
            if path.endswith(".lafast-cache.json") and got is not None:
                assert_cache_entries(got, old.get(path), new.get(path))
                continue
            assert same(path, got, old.get(path)) or same(path, got, new.get(path)), (point, path)
        rerun = lafast(work, *args)
        assert rerun.returncode == 0, (point, rerun.stderr)
        assert "Verwaiste Sperre von „lafast " in rerun.stderr, point
        assert "wurde unterbrochen; lafast räumt auf:" in rerun.stderr, point
        final = files(work)
        assert sorted(final) == sorted(new), point
        assert all(same(p, final[p], new[p]) for p in final), point
        assert commits(work) == commits(reference), point
        assert git_status(work) == "", point
        assert not (work / ".git" / "lafast" / "journal.json").exists()
        assert not (work / ".git" / "lafast" / "lock").exists()
        shutil.rmtree(work)


def git_status(root: Path) -> str:
    return subprocess.check_output(
        ["git", "-C", str(root), "status", "--porcelain", "--ignored=no"], text=True
    )
