"""The git repository: `Store`, the only code that runs git (with its base `GitRunner`,
gitrun.py, and its sharing half `Sharing`, remote.py).

GitPython is imported lazily: importing it costs ~0.1 s, which `lafast status` and `--help`
must not pay. Read-only queries on the hot path (`last_change`) call git directly.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from lafast_docs.errors import GitError, RevisionNotFound
from lafast_docs.storage import journal
from lafast_docs.storage.gitrun import GIT_TIMEOUT, CommitInfo, git_version, parse_log
from lafast_docs.storage.remote import Sharing

if TYPE_CHECKING:  # pragma: no cover
    import git

__all__ = ["GIT_TIMEOUT", "CommitInfo", "Store", "git_version"]


class Store(Sharing):
    """The workspace's git repository."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self._repo: git.Repo | None = None
        self._git_dir: Path | None = None  # found once: a render asks for it several times

    # -- setup -----------------------------------------------------------------------------
    @classmethod
    def init(cls, root: Path) -> Store:
        import git

        try:
            git.Repo.init(root, initial_branch="main")
        except git.GitCommandError as exc:  # pragma: no cover - git itself broken
            raise GitError(f"git init in {root} ist fehlgeschlagen: {exc.stderr.strip()}") from exc
        return cls(root)

    @property
    def repo(self) -> git.Repo:
        if self._repo is None:
            import git

            try:
                self._repo = git.Repo(self.root)
            except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
                raise GitError(
                    f"{self.root} ist kein git-Repository.",
                    hint="Legen Sie den Arbeitsbereich mit „lafast init“ an.",
                ) from exc
        return self._repo

    def last_change(self, path: Path) -> CommitInfo | None:
        """The newest commit touching `path`, or None if it was never committed."""
        out = self._git("log", "-1", "--format=%H%x00%h%x00%an%x00%aI%x00%s", "--", self._rel(path))
        return parse_log(out)[0] if out.strip() else None

    # -- writes ----------------------------------------------------------------------------
    def commit(
        self,
        paths: Iterable[Path],
        message: str,
        *,
        allow_empty: bool = False,
        known_changed: bool = False,
        want_sha: bool = True,
    ) -> str:
        """Stage exactly `paths` (files or folders, deletions too) and commit. Returns the sha,
        or '' when nothing changed. `known_changed` skips that check for callers that have just
        written new files (one git call less per commit, which counts in bulk imports)."""
        rels = [self._rel(p) for p in paths]
        jour = journal.active()
        if jour is not None:  # written down before git runs: a killed command is finished later
            jour.begin_commit(rels, message)
        if rels:
            self._git_write("add", "--all", "--", *rels)
        journal.crash_point("commit-added")
        if self.merge_in_progress():  # finishing a merge left open by `lafast sync`
            self._git_write("commit", "-q", "-m", message)
            journal.crash_point("commit-done")
            if jour is not None:
                jour.end_commit()
            return self._git("rev-parse", "HEAD").strip()
        if (
            not allow_empty
            and not known_changed
            and not self._git("diff", "--cached", "--name-only", "--", *rels).strip()
        ):
            if jour is not None:
                jour.end_commit()
            return ""
        extra = ["--allow-empty"] if allow_empty else []
        self._git_write("commit", "-q", "-m", message, *extra, "--", *rels)
        journal.crash_point("commit-done")
        if jour is not None:
            jour.end_commit()
        return self._git("rev-parse", "HEAD").strip() if want_sha else "(gespeichert)"

    def unstage(self, paths: Iterable[Path]) -> None:
        """Take `paths` out of git's index again (back to HEAD), e.g. after a commit failed."""
        rels = [self._rel(p) for p in paths]
        if rels:
            self._git("reset", "-q", "HEAD", "--", *rels)

    def clear_stale_git_locks(self) -> None:
        """Remove git's own lock files left by a killed lafast process. Only called under the
        workspace lock after a killed command was found, so no lafast git is running."""
        for name in ("index.lock", "HEAD.lock"):
            (self.root / ".git" / name).unlink(missing_ok=True)
        heads = self.root / ".git" / "refs" / "heads"
        for lock in heads.rglob("*.lock") if heads.is_dir() else []:
            lock.unlink(missing_ok=True)

    def tag(self, name: str, rev: str, message: str) -> None:
        """An annotated tag; an existing tag is never moved."""
        import git

        try:
            self.repo.git.tag("-a", name, rev, "-m", message)
        except git.GitCommandError as exc:
            raise GitError(
                f"Die Markierung {name} ließ sich nicht anlegen: {(exc.stderr or '').strip()}",
                hint="Gibt es sie schon? „git tag -l“ zeigt alle.",
            ) from exc

    # -- sign-off tags (annotated, optionally signed) ---------------------------------------
    def signed_tag(
        self,
        name: str,
        rev: str,
        message: str,
        *,
        fmt: str = "ssh",
        key: str | None = None,
        gnupghome: Path | None = None,
    ) -> None:
        """An annotated tag signed by git (`fmt` ssh or openpgp) with `key` (SSH key file or
        OpenPGP fingerprint) or git's `user.signingkey`."""
        conf = ["-c", f"gpg.format={fmt}"]
        if key:
            conf += ["-c", f"user.signingkey={key}"]
        proc = self._run([*conf, "tag", "-s", name, rev, "-m", message], gnupghome=gnupghome)
        if proc.returncode != 0:
            raise GitError(
                f"Die signierte Markierung {name} ließ sich nicht anlegen: "
                f"{proc.stderr.strip()[:400]}",
                hint="Ist ein Signaturschlüssel eingerichtet (signing: key in der lokalen "
                "Einstellung oder „git config user.signingkey“)?",
            )

    def verify_tag(
        self,
        name: str,
        *,
        fmt: str = "ssh",
        allowed_signers: Path | None = None,
        gnupghome: Path | None = None,
    ) -> tuple[bool, str]:
        """git's own verdict on a signed tag (exit code) and its raw output (for OpenPGP the
        machine-readable status lines). SSH: checked against `allowed_signers`."""
        conf = ["-c", f"gpg.format={fmt}"]
        if allowed_signers is not None:
            conf += ["-c", f"gpg.ssh.allowedSignersFile={allowed_signers}"]
        proc = self._run([*conf, "verify-tag", "--raw", name], gnupghome=gnupghome)
        return proc.returncode == 0, (proc.stderr + proc.stdout).strip()

    def config_value(self, key: str) -> str:
        """A git configuration value (repository, then global), '' when unset."""
        return self._run(["config", "--get", key]).stdout.strip()

    def delete_tag(self, name: str) -> None:
        self._git("tag", "-d", name)

    def tag_records(self, prefix: str) -> list[dict[str, str]]:
        """Annotated tags under refs/tags/`prefix`: name, target commit, tagger date, subject,
        body and signature block (empty when unsigned)."""
        fields = [
            "%(refname:strip=2)",
            "%(objecttype)",
            "%(*objectname)",
            "%(taggerdate:iso-strict)",
            "%(contents:subject)",
            "%(contents:body)",
            "%(contents:signature)",
        ]
        out = self._git(
            "for-each-ref", "--format=" + "%00".join(fields) + "%01", f"refs/tags/{prefix}"
        )
        keys = ("name", "type", "commit", "date", "subject", "body", "signature")
        return [
            dict(zip(keys, rec.strip("\n").split("\0"), strict=True))
            for rec in out.split("\x01")
            if rec.strip()
        ]

    def files_at(self, rev: str, path: Path) -> dict[str, bytes]:
        """Every file below `path` at `rev` (repository-relative name -> bytes), two git calls."""
        sha = self.resolve(rev)
        listing = self._git("ls-tree", "-r", "-z", "--full-tree", sha, "--", self._rel(path))
        entries = [e.split("\t", 1) for e in listing.split("\0") if e]
        blobs = [(head.split()[2], name) for head, name in entries if head.split()[1] == "blob"]
        if not blobs:
            return {}
        proc = subprocess.run(
            ["git", "-C", str(self.root), "cat-file", "--batch"],
            input="".join(f"{b}\n" for b, _ in blobs).encode(),
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
        if proc.returncode != 0:
            raise GitError(f"git cat-file ist fehlgeschlagen: {proc.stderr.decode()[:300]}")
        data, pos, result = proc.stdout, 0, {}
        for _blob, name in blobs:
            header_end = data.index(b"\n", pos)
            size = int(data[pos:header_end].split()[2])
            result[name] = data[header_end + 1 : header_end + 1 + size]
            pos = header_end + 1 + size + 1
        return result

    def commits_between(self, old: str, new: str, paths: list[Path]) -> list[CommitInfo]:
        """Commits after `old` up to `new` that touch `paths` (newest first)."""
        out = self._git(
            "log",
            "--format=%H%x00%h%x00%an%x00%aI%x00%s",
            f"{old}..{new}",
            "--",
            *(self._rel(p) for p in paths),
        )
        return parse_log(out)

    # -- history ---------------------------------------------------------------------------
    def log(self, path: Path, *, limit: int = 200) -> list[CommitInfo]:
        out = self._git(
            "log", f"-{limit}", "--format=%H%x00%h%x00%an%x00%aI%x00%s", "--", self._rel(path)
        )
        return parse_log(out)

    def resolve(self, rev: str) -> str:
        """Full sha of a revision (commit, tag, branch, `HEAD~2`), or RevisionNotFound."""
        if rev.startswith("-"):
            raise RevisionNotFound(f"Unbekannte Version „{rev}“.")
        try:
            return self._git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()
        except GitError as exc:
            raise RevisionNotFound(
                f"Die Version „{rev}“ gibt es in diesem Arbeitsbereich nicht.",
                hint="„lafast log KURZNAME“ zeigt die vorhandenen Versionen.",
            ) from exc

    def read_at(self, rev: str, path: Path) -> str:
        """The text of `path` as it was at `rev`."""
        sha = self.resolve(rev)
        try:
            return self._git("show", f"{sha}:{self._rel(path)}")
        except GitError as exc:
            raise RevisionNotFound(
                f"{self._rel(path)} gab es in Version {rev} noch nicht."
            ) from exc

    def texts_at(self, shas: list[str], path: Path) -> list[str | None]:
        """The text of `path` at each of the full commit `shas` (None where it did not exist),
        read by one git process (`read_at` costs two per version)."""
        if not shas:
            return []
        rel = self._rel(path)
        out = self._git_bytes(
            ["cat-file", "--batch"], "".join(f"{sha}:{rel}\n" for sha in shas).encode()
        )
        texts: list[str | None] = []
        pos = 0
        for _sha in shas:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            pos = end + 1
            if len(header) != 3 or header[1] != b"blob":
                texts.append(None)  # "<name> missing"
                continue
            size = int(header[2])
            texts.append(out[pos : pos + size].decode("utf-8", "replace"))
            pos += size + 1
        return texts

    def commit_date(self, rev: str) -> str:
        """Author date of a revision, ISO 8601."""
        return self._git("log", "-1", "--format=%aI", self.resolve(rev)).strip()

    def trailers(self, path: Path, key: str) -> list[str]:
        """Values of a commit-message trailer (e.g. Comment-Id) in the history of `path`."""
        out = self._git(
            "log", f"--format=%(trailers:key={key},valueonly,separator=%x00)", "--", self._rel(path)
        )
        return [v.strip() for line in out.splitlines() for v in line.split("\0") if v.strip()]

    def trailers_by_commit(self, path: Path, key: str) -> dict[str, list[str]]:
        """For each commit in the history of `path`, the values of trailer `key` (if any)."""
        out = self._git(
            "log",
            f"--format=%H%x01%(trailers:key={key},valueonly,separator=%x00)%x02",
            "--",
            self._rel(path),
        )
        result: dict[str, list[str]] = {}
        for record in out.split("\x02"):
            sha, _, values = record.strip().partition("\x01")
            found = [v.strip() for v in values.split("\0") if v.strip()]
            if sha and found:
                result[sha] = found
        return result

    def is_ancestor(self, older: str, newer: str) -> bool:
        try:
            self._git("merge-base", "--is-ancestor", older, newer)
        except GitError:
            return False
        return True

    def git_dir(self) -> Path:
        """The repository's private folder (`.git`): never committed, never pushed."""
        if self._git_dir is None:
            out = Path(self._git("rev-parse", "--git-common-dir").strip())
            self._git_dir = out if out.is_absolute() else (self.root / out).resolve()
        return self._git_dir

    def identity(self) -> str:
        """Who is making a change: git's author identity, "Name <email>"."""
        try:
            ident = self._git("var", "GIT_AUTHOR_IDENT").strip()
        except GitError:
            return "unbekannt"
        return ident.rsplit(" ", 2)[0] if ident.count(" ") >= 2 else ident

    def changed_paths(self, path: Path) -> list[str]:
        """Repository-relative paths below `path` with uncommitted changes (one git call)."""
        out = self._git("status", "--porcelain", "--no-renames", "-z", "--", self._rel(path))
        return [entry[3:] for entry in out.split("\0") if len(entry) > 3]

    def is_tracked(self, path: Path) -> bool:
        """Whether `path` is a tracked file or a folder holding tracked files."""
        return bool(self._git("ls-files", "-z", "--", self._rel(path)).strip("\0"))

    def is_dirty(self, path: Path) -> bool:
        return bool(self._git("status", "--porcelain", "--", self._rel(path)).strip())
