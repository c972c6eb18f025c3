"""Progress of long steps: drawn at a terminal (a real pseudo-terminal here), silent in pipes;
and the parallel runner under it: every piece once, the first failure raised (issue #20)."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from lafast_docs.render import parallel

from .conftest import SAMPLE_SN, copy_samples, git

LAFAST = Path(__file__).resolve().parent.parent


def lafast_at_a_terminal(root: Path, *args: str) -> tuple[int, str, str]:
    """`lafast ARGS` with stderr on a pseudo-terminal (120 columns): (code, stdout, terminal)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("LAFAST_QUIET", "NO_COLOR")}
    env.update(PYTHONPATH=str(LAFAST), TERM="xterm-256color")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lafast_docs", "-w", str(root), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other side is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    out, _ = proc.communicate(timeout=600)
    reader.join(timeout=60)
    os.close(master)
    return proc.returncode, out.decode("utf-8"), b"".join(chunks).decode("utf-8", "replace")


def lafast_in_a_pipe(root: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LAFAST_QUIET"}
    env["PYTHONPATH"] = str(LAFAST)
    proc = subprocess.run(
        [sys.executable, "-m", "lafast_docs", "-w", str(root), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_consult_open_shows_progress_at_a_terminal_only(ws) -> None:
    ws = copy_samples(ws, SAMPLE_SN)
    before = git(ws, "rev-parse", "HEAD").strip()
    deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    code, out, terminal = lafast_at_a_terminal(
        ws.root, "consult", "open", SAMPLE_SN, "--deadline", deadline, "--invite", "alle-gremien"
    )
    assert code == 0, terminal
    assert "Formulare" in terminal and "4/4" in terminal  # DOCX, XLSX and one per Gremium
    assert "\x1b[" in terminal  # drawn, not printed line by line
    assert out.startswith("runde-1 eröffnet:")  # stdout stays clean
    assert "4/4" not in out and "\x1b[" not in out

    git(ws, "tag", "-d", f"lafast/{SAMPLE_SN}/runde-1")  # the same again, into a pipe
    git(ws, "reset", "-q", "--hard", before)  # the round and its invitation record undone
    git(ws, "clean", "-qfdx", "comments")
    code, out, err = lafast_in_a_pipe(
        ws.root, "consult", "open", SAMPLE_SN, "--deadline", deadline, "--invite", "alle-gremien"
    )
    assert code == 0, err
    assert out.startswith("runde-1 eröffnet:") and err == ""


def test_render_shows_document_and_format_at_a_terminal(ws) -> None:
    ws = copy_samples(ws, SAMPLE_SN)
    code, out, terminal = lafast_at_a_terminal(
        ws.root, "render", SAMPLE_SN, "--format", "html,docx"
    )
    assert code == 0, terminal
    assert "Erzeuge Dokumente" in terminal and "2/2" in terminal
    assert f"{SAMPLE_SN} HTML" in terminal or f"{SAMPLE_SN} DOCX" in terminal
    assert str(ws.build_dir / SAMPLE_SN / f"{SAMPLE_SN}.html") in out


# -- the runner under the outputs ---------------------------------------------------------------
def test_every_piece_comes_back_once_whatever_finishes_first(monkeypatch) -> None:
    monkeypatch.setenv("LAFAST_WORKERS", "2")

    def job(i: int):  # type: ignore[no-untyped-def]
        def run() -> int:
            time.sleep(0.05 if i == 0 else 0)  # the first finishes last
            return i * i

        return run

    got = list(parallel.completed([job(i) for i in range(6)]))
    assert sorted(got) == [(i, i * i) for i in range(6)]
    monkeypatch.setenv("LAFAST_WORKERS", "1")
    assert list(parallel.completed([job(i) for i in range(3)])) == [(0, 0), (1, 1), (2, 4)]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_first_failure_is_raised_and_nothing_after_it_comes_back(monkeypatch, workers) -> None:
    monkeypatch.setenv("LAFAST_WORKERS", workers)
    started: list[int] = []

    def job(i: int):  # type: ignore[no-untyped-def]
        def run() -> int:
            started.append(i)
            if i in (1, 2):
                raise OSError(f"Datenträger voll ({i})")
            return i

        return run

    got: list[tuple[int, int]] = []
    with pytest.raises(OSError, match=r"\(1\)"):
        got.extend(parallel.completed([job(i) for i in range(8)]))
    assert all(i not in (1, 2) for i, _ in got)
    if workers == "1":
        assert got == [(0, 0)] and started == [0, 1]  # nothing after the failure ran


def test_blame_shows_the_versions_it_reads_at_a_terminal(ws) -> None:
    import shutil

    from .conftest import write_draft_body

    path = write_draft_body(ws, "verlauf", "# Kopf\n\nErste Fassung des Absatzes.\n")
    for n in range(2, 6):
        ws.store.commit([path], f"Fassung {n - 1}")
        path.write_text(path.read_text("utf-8").replace("Fassung", f"Fassung {n}."), "utf-8")
    ws.store.commit([path], "Fassung 5")
    shutil.rmtree(ws.store.git_dir() / "lafast" / "bloecke", ignore_errors=True)
    code, out, terminal = lafast_at_a_terminal(ws.root, "blame", "verlauf", "--rn", "1")
    assert code == 0, terminal
    # five versions, the newest read already as the text on disk
    assert "Lese frühere Versionen" in terminal and "4/4" in terminal
    assert out.startswith("Rn. 1") and "\x1b[" not in out
    code, out, err = lafast_in_a_pipe(ws.root, "blame", "verlauf", "--rn", "1")
    assert code == 0 and out.startswith("Rn. 1") and err == ""
