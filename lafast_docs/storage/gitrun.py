"""Running git: the one place that starts git processes, the base of `Store` (git.py).

Every git call of lafast goes through `GitRunner`: local queries and writes (`_git`), calls with
their own environment (`_run`: signing keys) and calls to a remote (`_git_net`: never prompts,
time-limited).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lafast_docs.errors import GitError

GIT_TIMEOUT = 60


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    short: str
    author: str
    date: datetime
    subject: str


class GitRunner:
    """Runs git in one repository (`root`)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _git(self, *args: str) -> str:
        proc = self._local(list(args), text=True)
        if proc.returncode != 0:
            raise GitError(f"git {' '.join(args[:2])} ist fehlgeschlagen: {proc.stderr.strip()}")
        return proc.stdout

    def _git_bytes(self, args: list[str], data: bytes) -> bytes:
        """git with `data` on stdin, stdout as bytes (e.g. `cat-file --batch`)."""
        proc = self._local(args, input=data)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise GitError(f"git {' '.join(args[:2])} ist fehlgeschlagen: {err}")
        return proc.stdout

    def _local(self, args: list[str], **kw: Any) -> subprocess.CompletedProcess[Any]:
        try:
            return subprocess.run(
                ["git", "-C", str(self.root), *args],
                capture_output=True,
                timeout=GIT_TIMEOUT,
                check=False,
                **kw,
            )
        except FileNotFoundError as exc:
            raise GitError(
                "Das Programm git ist nicht installiert.",
                hint="Installieren Sie git (z. B. „apt-get install git“).",
            ) from exc

    def _git_write(self, *args: str) -> None:
        try:
            self._git(*args)
        except GitError as exc:
            identity = any(
                s in exc.message for s in ("tell me who you are", "empty ident", "user.email")
            )
            raise GitError(
                f"Speichern in git ist fehlgeschlagen: {exc.message}",
                hint='Ihr Name für Änderungen fehlt: git config --global user.name "Vorname '
                'Nachname" und git config --global user.email "name@example.org".'
                if identity
                else "„lafast doctor“ prüft den Arbeitsbereich und sagt, was zu tun ist.",
            ) from exc

    def _run(
        self, args: list[str], *, gnupghome: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "GNUPGHOME": str(gnupghome)} if gnupghome else None
        try:
            return subprocess.run(
                ["git", "-C", str(self.root), *args],
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT,
                check=False,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        except FileNotFoundError as exc:
            raise GitError("Das Programm git ist nicht installiert.") from exc

    def _git_net(self, *args: str, timeout: float = GIT_TIMEOUT) -> subprocess.CompletedProcess:
        """git talking to a remote: never asks for a password on the terminal, time-limited."""
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
        try:
            return subprocess.run(
                ["git", "-C", str(self.root), *args],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env=env,
            )
        except subprocess.TimeoutExpired as exc:
            raise GitError(
                f"Das gemeinsame Archiv hat nach {timeout:.0f} Sekunden nicht geantwortet."
            ) from exc

    def _rel(self, path: Path) -> str:
        p = path if path.is_absolute() else self.root / path
        try:
            return p.resolve().relative_to(self.root.resolve()).as_posix() or "."
        except ValueError:
            return p.as_posix()


def git_version() -> str:
    """The installed git's version ("" if git is missing)."""
    try:
        out = subprocess.run(
            ["git", "--version"], capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False
        ).stdout
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return ""
    return out.strip().removeprefix("git version ").strip()


def parse_log(out: str) -> list[CommitInfo]:
    result = []
    for line in out.splitlines():
        if not line.strip():
            continue
        sha, short, author, date, subject = line.split("\x00", 4)
        result.append(CommitInfo(sha, short, author, datetime.fromisoformat(date), subject))
    return result
