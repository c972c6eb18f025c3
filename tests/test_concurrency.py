"""Two (or twenty) lafast processes on one workspace: one lock, a clear message, no corruption."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from lafast_docs.consultation.rounds import open_round
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.storage.lock import holder, lock_path, workspace_lock

from .conftest import GIT_ENV, REPO, SAMPLE_SN, copy_samples, git
from .intake_files import fill_yaml_form
from .test_cli import run


@pytest.fixture
def rnd_ws(ws):
    ws = copy_samples(ws, SAMPLE_SN)
    ws.rnd = open_round(  # type: ignore[attr-defined]
        ws,
        SAMPLE_SN,
        deadline=dt.date(2026, 12, 15),
        invite=["awo-sachsen"],
        today=dt.date(2026, 11, 21),
    )
    return ws


@pytest.mark.slow
def test_twenty_concurrent_imports_give_twenty_commits(rnd_ws, tmp_path) -> None:
    ws = rnd_ws
    form = ws.rnd.folder / "formulare" / "awo-sachsen" / f"{SAMPLE_SN}-runde-1-awo-sachsen.yaml"
    before = int(git(ws, "rev-list", "--count", "HEAD"))
    env = {**os.environ, **GIT_ENV, "PYTHONPATH": str(REPO)}
    procs = []
    for i in range(20):
        f = tmp_path / f"antwort-{i}.yaml"
        f.write_bytes(fill_yaml_form(form, f'  - rn: 2\n    anmerkung: "Anmerkung Nummer {i}."\n'))
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "lafast_docs",
                    "-w",
                    str(ws.root),
                    "comments",
                    "import",
                    str(f),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = [(p.wait(300), *p.communicate()) for p in procs]
    assert [r[0] for r in results] == [0] * 20, [r[2] for r in results if r[0]]
    assert int(git(ws, "rev-list", "--count", "HEAD")) == before + 20
    assert git(ws, "status", "--porcelain") == ""
    assert not lock_path(ws.root).exists()
    subs = list_submissions(ws.rnd.folder)
    assert len(subs) == 20
    ids = [c["id"] for s in subs for c in s.comments]
    assert len(set(ids)) == 20  # no id handed out twice
    texts = sorted(c["text"] for s in subs for c in s.comments)
    assert texts == sorted(f"Anmerkung Nummer {i}." for i in range(20))


def test_busy_workspace_gives_a_clear_message_and_changes_nothing(ws, monkeypatch) -> None:
    monkeypatch.setenv("LAFAST_LOCK_WAIT", "0")
    head = git(ws, "rev-parse", "HEAD")
    with workspace_lock(ws.root, "merge mindeststandards-fsa"):
        info = holder(ws.root)
        assert info is not None and info["pid"] == os.getpid()
        code, out, err = run(["-w", str(ws.root), "new", "stellungnahme", "--title", "Neu"])
        # read-only commands do not wait for the lock
        assert run(["-w", str(ws.root), "status"])[0] == 0
    assert code == 9 and out == ""
    assert err.startswith(
        f"Fehler: Der Arbeitsbereich ist gerade durch „lafast merge mindeststandards-fsa“ "
        f"(Prozess {os.getpid()}, seit "
    )
    assert "Warten Sie, bis dieser Befehl fertig ist" in err
    assert git(ws, "rev-parse", "HEAD") == head
    assert not (ws.drafts_dir / "neu").exists()
    assert not lock_path(ws.root).exists()


def test_stale_lock_of_a_killed_process_is_taken_over(ws) -> None:
    path = lock_path(ws.root)
    path.parent.mkdir(parents=True, exist_ok=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = {"pid": int(dead), "command": "render x", "since": "2026-11-21T10:00:00"}
    path.write_text(json.dumps(stale))
    code, _out, err = run(["-w", str(ws.root), "new", "stellungnahme", "--title", "Neu"])
    assert code == 0, err
    assert err.startswith(
        f"Verwaiste Sperre von „lafast render x“ (Prozess {dead}, seit 10:00:00 Uhr) aufgehoben"
    )
    assert not path.exists()
