"""The hostile-input battery: every case asserts the refusal *and* that nothing leaked or was
written. Here: after each case, the workspace's .git/config and .git/hooks are byte-identical."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from lafast_docs.consultation.rounds import open_round

from ..conftest import SAMPLE_SN, copy_samples

SECRET = "GEHEIM-4711-NICHT-LESEN"


def git_guarded(root: Path) -> dict[str, bytes]:
    git = root / ".git"
    files = {"config": (git / "config").read_bytes()}
    for hook in sorted((git / "hooks").glob("*")) if (git / "hooks").is_dir() else []:
        files[f"hooks/{hook.name}"] = hook.read_bytes()
    return files


@pytest.fixture(autouse=True)
def git_config_and_hooks_untouched(request: pytest.FixtureRequest):
    if "ws" not in request.fixturenames:
        yield
        return
    root = request.getfixturevalue("ws").root
    before = git_guarded(root)
    yield
    assert git_guarded(root) == before


@pytest.fixture
def secrets(tmp_path: Path) -> dict[str, Path]:
    """Files outside every allowed folder; their content must never show up anywhere."""
    folder = tmp_path / "ausserhalb"
    folder.mkdir()
    out = {}
    for name in ("geheim.txt", "geheim.css", "geheim.png", "geheim.ttf", "geheim.svg"):
        out[name.split(".")[1]] = folder / name
        (folder / name).write_text(
            f"body::after {{ content: '{SECRET}' }}" if name.endswith(".css") else SECRET
        )
    return out


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(f"body::after {{ content: '{SECRET}' }}".encode())

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def local_server():
    """An HTTP server on 127.0.0.1 that records every request (must stay at zero)."""
    _Counter.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counter.hits
    server.shutdown()
    server.server_close()


def leaked(root: Path) -> list[str]:
    """Files below `root` (outside .git) that contain the secret."""
    return [
        str(p)
        for p in root.rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and ".git" not in p.parts
        and SECRET.encode() in p.read_bytes()
    ]


@pytest.fixture
def round_ws(ws):
    """The sample Stellungnahme with round 1 open for awo-sachsen and caritas-dresden."""
    ws = copy_samples(ws, SAMPLE_SN)
    ws.rnd = open_round(
        ws,
        SAMPLE_SN,
        deadline=dt.date(2026, 12, 15),
        invite=["awo-sachsen", "caritas-dresden"],
        today=dt.date(2026, 11, 21),
    )
    return ws
