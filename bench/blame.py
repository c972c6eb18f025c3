"""Blame benchmark: `lafast blame` on a paragraph of a draft with 200 saved versions.

    python3 bench/blame.py [--versions 200]

The shipped Fachstandard sample, saved 200 times with one paragraph changed each time (every
fifth save changes the traced paragraph, so the walk goes through all versions). Reports:
  before  the old walk: every version read with `git show` and parsed by pandoc alone
  cold    `provenance.trace` with an empty block cache (versions read on both cores)
  warm    `provenance.trace` again (blocks cached per content hash)   target <= 2 s
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lafast_docs.decisions.provenance import trace  # noqa: E402
from lafast_docs.text.history import draft_at, model_of  # noqa: E402
from lafast_docs.workspace import find_workspace  # noqa: E402
from lafast_docs.workspace.config import CONFIG_NAME  # noqa: E402
from lafast_docs.workspace.create import init_workspace  # noqa: E402

SLUG = "mindeststandards-fsa"


def make_history(root: Path, versions: int) -> Path:
    init_workspace(root)
    shutil.copyfile(REPO / "demo" / CONFIG_NAME, root / CONFIG_NAME)
    shutil.copytree(REPO / "drafts" / SLUG, root / "drafts" / SLUG)
    path = root / "drafts" / SLUG / "document.md"
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "Version 1"], check=True)
    text = path.read_text("utf-8")
    paragraphs = [i for i, p in enumerate(text.split("\n\n")) if p[:1].isalpha()]
    for v in range(2, versions + 1):
        parts = text.split("\n\n")
        target = paragraphs[10] if v % 5 == 0 else paragraphs[v % len(paragraphs)]
        parts[target] = parts[target].rstrip() + f" (Änderung {v})"
        text = "\n\n".join(parts)
        path.write_text(text, "utf-8")
        subprocess.run([*git, "commit", "-qam", f"Version {v}"], check=True)
    return root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", type=int, default=200)
    args = ap.parse_args()
    for key in ("GIT_AUTHOR", "GIT_COMMITTER"):
        os.environ.setdefault(f"{key}_NAME", "bench")
        os.environ.setdefault(f"{key}_EMAIL", "bench@lafast.invalid")
    with tempfile.TemporaryDirectory() as tmp:
        root = make_history(Path(tmp) / "ws", args.versions)
        ws = find_workspace(explicit=root)
        blocks = model_of(draft_at(ws, SLUG, "HEAD")).blocks
        rn = next(b.rn for b in blocks if f"(Änderung {args.versions // 5 * 5})" in b.text)
        commits = ws.store.log(ws.drafts_dir / SLUG / "document.md")
        t = time.perf_counter()
        for c in commits:
            model_of(draft_at(ws, SLUG, c.sha))
        t_before = time.perf_counter() - t
        t = time.perf_counter()
        cold = trace(ws, SLUG, rn)
        t_cold = time.perf_counter() - t
        t = time.perf_counter()
        warm = trace(ws, SLUG, rn)
        t_warm = time.perf_counter() - t
        assert cold.as_data() == warm.as_data()
    print(f"blame, {len(commits)} Versionen, Rn. {rn}: {len(warm.events)} Ereignisse")
    print(f"before  every version read and parsed alone: {t_before:.2f} s")
    print(f"cold    trace, empty cache:                  {t_cold:.2f} s")
    print(f"warm    trace, blocks cached:                {t_warm:.2f} s   (target <= 2 s)")


if __name__ == "__main__":
    main()
