"""The half of `Store` that shares the workspace through a remote (`lafast sync`, doctor).

Talks to the remote through `GitRunner._git_net` (no password prompts, time-limited); the rebase
that brings in other people's commits runs here too.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

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

    def remote_refs(self, url: str, *, timeout: float = 10) -> tuple[str, dict[str, str]]:
        """The remote's default branch (HEAD, "" when not advertised) and its branches -> sha."""
        proc = self._git_net(
            "ls-remote", "--symref", "--", url, "HEAD", "refs/heads/*", timeout=timeout
        )
        if proc.returncode != 0:
            raise GitError(f"Das gemeinsame Archiv {url} ist nicht erreichbar: {proc.stderr[:300]}")
        head, branches = "", {}
        for line in proc.stdout.splitlines():
            left, _, name = line.partition("\t")
            if left.startswith("ref: ") and name == "HEAD":
                head = left[5:].strip().removeprefix("refs/heads/")
            elif name.startswith("refs/heads/"):
                branches[name.removeprefix("refs/heads/")] = left.strip()
        return head, branches

    def remote_branch(self, url: str, *, timeout: float = 10) -> str:
        """The branch lafast shares through `url`: the one the remote's HEAD names (what a
        `git clone` checks out), else this clone's branch if the remote has it. For an empty
        remote, its HEAD is learnt from a clone of it (git advertises an unborn HEAD only to
        clone): a bare repository made with HEAD -> master gets lafast's work on master."""
        head, branches = self.remote_refs(url, timeout=timeout)
        own = self.current_branch()
        if head and head in branches:
            return head
        if own in branches or branches:
            return own
        with tempfile.TemporaryDirectory(prefix="lafast-remote-") as tmp:
            proc = self._git_net("clone", "-q", "--bare", "--", url, tmp, timeout=timeout)
            if proc.returncode != 0:
                return own
            ref = subprocess.run(
                ["git", "--git-dir", tmp, "symbolic-ref", "-q", "HEAD"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        return ref.removeprefix("refs/heads/") or own

    def repair_remote_head(self, url: str, branch: str) -> bool:
        """A bare repository in a local folder whose HEAD names a missing branch (made with
        HEAD -> master, filled by an older lafast on main): point HEAD at `branch`, so that a
        plain `git clone` checks it out. Only for local folders; True when repaired."""
        path = Path(url.removeprefix("file://"))
        if "://" in url.replace("file://", "") or not (path / "HEAD").is_file():
            return False
        head, branches = self.remote_refs(url)
        if head in branches or branch not in branches:
            return False
        proc = subprocess.run(
            ["git", "--git-dir", str(path), "symbolic-ref", "HEAD", f"refs/heads/{branch}"],
            capture_output=True,
            check=False,
        )
        return proc.returncode == 0

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

    # -- a merge left open for the user (`lafast sync` after a text conflict) ---------------
    def merge_in_progress(self) -> bool:
        return (self.root / ".git" / "MERGE_HEAD").exists()

    def merge_start(self, onto: str, message: str) -> list[str]:
        """Merge `onto` without committing; returns the conflicted paths ([] = merged cleanly,
        still uncommitted). The merge stays open until a commit finishes it or it is aborted."""
        proc = self._run(
            [
                "-c",
                "merge.conflictStyle=merge",
                "merge",
                "-q",
                "--no-ff",
                "--no-commit",
                "-m",
                message,
                onto,
            ]
        )
        conflicts = [
            c for c in self._git("diff", "--name-only", "--diff-filter=U", "-z").split("\0") if c
        ]
        if proc.returncode != 0 and not conflicts:
            self.merge_abort()
            raise GitError(f"git merge ist fehlgeschlagen: {(proc.stderr or proc.stdout)[:400]}")
        return conflicts

    def has_merges(self, upstream: str) -> bool:
        """Does the local history after `upstream` hold a merge commit?"""
        return bool(self._git("rev-list", "--merges", "-1", f"{upstream}..HEAD").strip())

    def merge_abort(self, paths: Sequence[str] = ()) -> None:
        """Undo an open merge; `paths` are also put back to HEAD's state (git keeps edits
        made after the merge started)."""
        if self.merge_in_progress():
            self._git("merge", "--abort")
        if paths:
            self._git("checkout", "HEAD", "--", *paths)

    def merge_texts(self, base: str, ours: str, theirs: str) -> list[str | list[str]]:
        """Three-way merge by lines (git merge-file): common text as str, each conflict as
        [ours, theirs]."""
        marker = 40
        with tempfile.TemporaryDirectory(prefix="lafast-merge-") as tmp:
            files = []
            for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
                f = Path(tmp) / name
                f.write_text(text, "utf-8")
                files.append(str(f))
            proc = self._run(["merge-file", "-p", f"--marker-size={marker}", *files])
        if proc.returncode > 127:
            raise GitError(f"git merge-file ist fehlgeschlagen: {proc.stderr[:300]}")
        parts: list[str | list[str]] = []
        common: list[str] = []
        side: list[str] | None = None
        hunk: list[list[str]] = []
        for line in proc.stdout.splitlines(keepends=True):
            tag = line[:marker]
            if tag == "<" * marker and side is None:
                parts.append("".join(common))
                common, hunk = [], [[], []]
                side = hunk[0]
            elif tag == "=" * marker and side is hunk[0]:
                side = hunk[1]
            elif tag == ">" * marker and side is not None:
                parts.append(["".join(hunk[0]), "".join(hunk[1])])
                side = None
            else:
                (common if side is None else side).append(line)
        parts.append("".join(common))
        return [p for p in parts if p != ""]

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


def clone(url: str, target: Path, *, timeout: float = GIT_TIMEOUT * 5) -> Sharing:
    """`git clone` into `target` (new or empty). A remote whose HEAD names a missing branch
    (a bare repository made with HEAD -> master, filled on main) still gets its branch checked
    out: main if it is there, else its only branch."""
    runner = Sharing(target.parent)
    proc = runner._git_net("clone", "-q", "--", url, str(target), timeout=timeout)
    if proc.returncode != 0:
        raise GitError(
            f"Das gemeinsame Archiv {url} ließ sich nicht holen: "
            f"{(proc.stderr.strip().splitlines() or ['unbekannter Fehler'])[-1][:300]}"
        )
    store = Sharing(target)
    if not store.head():
        branches = [
            b.strip().removeprefix("origin/")
            for b in store._git("branch", "-r", "--format=%(refname:short)").splitlines()
            if b.strip() and b.strip() != "origin/HEAD"
        ]
        pick = "main" if "main" in branches else (branches[0] if len(branches) == 1 else "")
        if pick:
            store._git("checkout", "-q", "-B", pick, f"origin/{pick}")
    return store
