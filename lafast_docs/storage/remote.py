"""The half of `Store` that shares the workspace through a remote (`lafast sync`, doctor).

Talks to the remote through `GitRunner._git_net` (no password prompts, time-limited); the rebase
that brings in other people's commits runs here too.
"""

from __future__ import annotations

import os
import subprocess

from lafast_docs.errors import GitError
from lafast_docs.storage.gitrun import GIT_TIMEOUT, CommitInfo, GitRunner, parse_log


class Sharing(GitRunner):
    """Fetch, push, rebase: git talking to the shared remote."""

    def current_branch(self) -> str:
        return self._git("symbolic-ref", "--short", "-q", "HEAD").strip() or "main"

    def head(self) -> str:
        try:
            return self._git("rev-parse", "--verify", "-q", "HEAD").strip()
        except GitError:
            return ""

    def remote_head(self, url: str, branch: str, *, timeout: float = 10) -> str | None:
        """The sha of `branch` in the remote (None: branch missing); GitError if unreachable."""
        proc = self._git_net("ls-remote", "--", url, f"refs/heads/{branch}", timeout=timeout)
        if proc.returncode != 0:
            raise GitError(f"Das gemeinsame Archiv {url} ist nicht erreichbar: {proc.stderr[:300]}")
        return proc.stdout.split()[0] if proc.stdout.strip() else None

    def contains(self, sha: str) -> bool:
        """Is commit `sha` known here and part of the current branch's history?"""
        known = subprocess.run(
            ["git", "-C", str(self.root), "cat-file", "-e", f"{sha}^{{commit}}"],
            capture_output=True,
            check=False,
        )
        if known.returncode != 0:
            return False
        anc = subprocess.run(
            ["git", "-C", str(self.root), "merge-base", "--is-ancestor", sha, "HEAD"],
            capture_output=True,
            check=False,
        )
        return anc.returncode == 0

    def fetch(self, url: str, branch: str) -> str | None:
        """Fetch `branch` (and all tags) into refs/remotes/lafast/; returns its sha or None."""
        ref = f"refs/remotes/lafast/{branch}"
        if self.remote_head(url, branch) is None:
            return None
        proc = self._git_net(
            "fetch",
            "-q",
            "--no-write-fetch-head",
            "--",
            url,
            f"+refs/heads/{branch}:{ref}",
            "+refs/tags/*:refs/tags/*",
        )
        if proc.returncode != 0:
            raise GitError(f"Holen aus {url} ist fehlgeschlagen: {proc.stderr.strip()[:400]}")
        return self._git("rev-parse", ref).strip()

    def push(self, url: str, branch: str) -> bool:
        """Push the branch and lafast's tags; False when the remote has moved on (retry)."""
        proc = self._git_net(
            "push",
            "-q",
            "--porcelain",
            "--",
            url,
            f"HEAD:refs/heads/{branch}",
            "refs/tags/*:refs/tags/*",
        )
        if proc.returncode == 0:
            return True
        if "rejected" in proc.stdout or "non-fast-forward" in proc.stderr + proc.stdout:
            return False
        raise GitError(f"Übertragen nach {url} ist fehlgeschlagen: {proc.stderr.strip()[:400]}")

    def ahead_behind(self, ref: str) -> tuple[int, int]:
        left, right = self._git("rev-list", "--left-right", "--count", f"HEAD...{ref}").split()
        return int(left), int(right)

    def count(self) -> int:
        """Number of commits in the current branch."""
        return int(self._git("rev-list", "--count", "HEAD").strip() or 0)

    def tracked_changes(self) -> list[str]:
        out = self._git("status", "--porcelain", "--untracked-files=no", "-z")
        return [e[3:] for e in out.split("\0") if len(e) > 3]

    def rebase_in_progress(self) -> bool:
        git = self.root / ".git"
        return (git / "rebase-merge").exists() or (git / "rebase-apply").exists()

    def rebase(self, onto: str, *, resume: bool = False) -> list[str]:
        """Start (or continue) a rebase; returns the conflicted paths ([] = done)."""
        args = ("rebase", "--continue") if resume else ("rebase", "-q", onto)
        proc = subprocess.run(
            ["git", "-C", str(self.root), "-c", "core.editor=true", *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
            env={**os.environ, "GIT_EDITOR": "true"},
        )
        if proc.returncode == 0:
            return []
        conflicts = self._git("diff", "--name-only", "--diff-filter=U", "-z").split("\0")
        conflicts = [c for c in conflicts if c]
        if not conflicts:
            self.rebase_abort()
            raise GitError(f"git rebase ist fehlgeschlagen: {(proc.stderr or proc.stdout)[:400]}")
        return conflicts

    def rebase_abort(self) -> None:
        if self.rebase_in_progress():
            self._git("rebase", "--abort")

    def conflict_side(self, path: str, stage: int) -> str | None:
        try:
            return self._git("show", f":{stage}:{path}")
        except GitError:
            return None

    def stage(self, path: str) -> None:
        self._git("add", "--", path)

    def fast_forward(self, ref: str) -> None:
        self._git_write("merge", "-q", "--ff-only", ref)

    def commits_on_path(self, a: str, b: str, path: str) -> list[CommitInfo]:
        """Commits after `a` up to `b` touching the repository-relative `path`."""
        out = self._git("log", "--format=%H%x00%h%x00%an%x00%aI%x00%s", f"{a}..{b}", "--", path)
        return parse_log(out)

    def remote_reachable(self, url: str, *, timeout: float = 10) -> str:
        """ "" when `git ls-remote` can reach `url`, else git's (first) error line."""
        try:
            proc = self._git_net("ls-remote", "--heads", "--", url, timeout=timeout)
        except GitError as exc:  # no answer in time
            return exc.message
        if proc.returncode == 0:
            return ""
        return (proc.stderr.strip().splitlines() or ["unbekannter Fehler"])[0]
