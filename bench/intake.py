"""Comment-intake benchmark, measured in one process.

    python3 bench/intake.py [--files 200] [--comments 10] [--docx 30] [--against CHECKOUT]

1. `--files` YAML submissions with `--comments` comments each (quotes taken from the text, a
   tenth of them slightly misspelt so that fuzzy anchoring runs) against a ~60-page draft:
   `lafast comments import` of all of them as one command, as staff run it (a new process:
   start-up, workspace lock, crash journal, storage and the commit). With `--against`, the
   other checkout imports the same files into a copy of the same workspace just before, so
   that the ratio holds under whatever load the machine has.
   Target (issues #3, #19): 200 files / 2,000 comments <= 5 s.
2. `--docx` returned Word forms (comments + tracked changes): DOCX import time
   ÷ `pandoc --track-changes=all -t json` on the same files. Target <= 1.5.
3. `--big` comments in one Word answer (issue 13: 100,000): import in a fresh child process,
   wall time and the child's peak memory, and the ratio of its time to importing one
   ordinary form in another fresh child. Target: refused in < 5 s and < 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from render import SLUG, make_workspace  # noqa: E402

from lafast_docs.consultation.intake.importer import import_files  # noqa: E402
from lafast_docs.consultation.rounds import open_round  # noqa: E402
from lafast_docs.consultation.submissions import list_submissions  # noqa: E402
from lafast_docs.external import pandoc  # noqa: E402
from lafast_docs.text.drafts import load_draft  # noqa: E402
from lafast_docs.text.history import model_of  # noqa: E402
from lafast_docs.workspace import find_workspace  # noqa: E402
from tests.intake_files import yaml_answer  # noqa: E402


def yaml_submission(rnd, org: str, blocks, rng: random.Random, n: int) -> str:  # type: ignore[no-untyped-def]
    entries = []
    for i in range(n):
        b = rng.choice(blocks)
        words = b.text.split()
        start = rng.randrange(max(1, len(words) - 6))
        quote = " ".join(words[start : start + 6])
        if i % 10 == 9 and len(quote) > 12:  # a typo: exact search fails, fuzzy finds it
            quote = quote[:5] + quote[6:]
        entries.append((b.rn, quote, f"Anmerkung {i} zu Rn. {b.rn}"))
    return yaml_answer(rnd.slug, rnd.id, org, entries)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--comments", type=int, default=10)
    ap.add_argument("--docx", type=int, default=30)
    ap.add_argument("--big", type=int, default=100_000)
    ap.add_argument("--against", metavar="CHECKOUT", help="import with this checkout too")
    args = ap.parse_args()
    for key in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        os.environ.setdefault(key, "bench")
    for key in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        os.environ.setdefault(key, "bench@lafast.invalid")
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        root = make_workspace(tmpdir / "ws", 60)
        ws = find_workspace(explicit=root)
        orgs = [f"traeger-{i:03d}" for i in range(args.files)]
        from lafast_docs.workspace.addressbook import add_org

        for org in orgs[: args.files]:
            add_org(ws, org, name=f"Träger {org}", type="traeger")
        rnd = open_round(
            ws,
            SLUG,
            deadline=dt.date.today() + dt.timedelta(days=30),
            invite=orgs[:2],
            today=dt.date.today(),
        )
        blocks = model_of(load_draft(ws, SLUG)).blocks
        inbox = tmpdir / "eingang"
        inbox.mkdir()
        paths = []
        for org in orgs:
            p = inbox / f"{org}.yaml"
            p.write_text(yaml_submission(rnd, org, blocks, rng, args.comments), "utf-8")
            paths.append(p)
        t_before = None
        if args.against:
            shutil.copytree(root, tmpdir / "vorher")
            t_before = cli_import(tmpdir / "vorher", paths, Path(args.against).resolve())
            shutil.rmtree(tmpdir / "vorher")
        t_yaml = cli_import(root, paths, REPO)
        ws = find_workspace(explicit=root)
        subs = list_submissions(rnd.folder)
        ok = len(subs)
        n_comments = sum(len(s.comments) for s in subs)
        stale = sum(c["anchor"]["state"] == "veraltet" for s in subs for c in s.comments)

        # DOCX: returned forms with a comment and a tracked replacement each
        sys.path.insert(0, str(REPO))
        from tests.intake_files import docx_with_changes

        form = rnd.folder / "formulare" / orgs[0] / f"{SLUG}-{rnd.id}-{orgs[0]}.docx"
        docs = []
        for i in range(args.docx):
            b = blocks[(i * 7) % len(blocks)]
            words = [w for w in b.text.split() if len(w) > 6] or b.text.split()
            data = docx_with_changes(
                form,
                comment_on=words[0],
                comment=f"Kommentar {i}",
                replace=(words[-1], f"ersetzt{i}"),
            )
            p = inbox / f"form-{i}.docx"
            p.write_bytes(data)
            docs.append(p)
        t = time.perf_counter()
        for p in docs:
            pandoc.run(["-f", "docx", "--track-changes=all", "-t", "json"], p.read_bytes())
        t_bare = time.perf_counter() - t
        from lafast_docs.consultation.intake.docx import read_docx

        t = time.perf_counter()
        for p in docs:
            read_docx(p.read_bytes())
        t_read = time.perf_counter() - t
        t = time.perf_counter()
        docx_results = import_files(ws, docs, from_org=orgs[1])
        t_docx_import = time.perf_counter() - t

        from tests.intake_files import docx_with_comments

        big = inbox / "riesig.docx"
        big.write_bytes(docx_with_comments(form.read_bytes(), args.big))
        big_mb = big.stat().st_size / 1e6
        t_form, _mem, status_form = in_child(root, form, orgs[0])
        t_big, mem_big, status_big = in_child(root, big, orgs[0])
    before = (
        f"; vorher ({args.against}) {t_before:.2f} s, Verhältnis {t_yaml / t_before:.2f}"
        if t_before
        else ""
    )
    print(
        f"YAML  {ok} Dateien, {n_comments} Anmerkungen ({stale} veraltet): {t_yaml:.2f} s "
        f"(target <= 5 s){before}"
    )
    print(
        f"DOCX  lesen {t_read:.2f} s / bare pandoc {t_bare:.2f} s -> ratio "
        f"{t_read / t_bare:.2f} (target <= 1.5); vollständiger Import mit Ablage und Commit "
        f"{t_docx_import:.2f} s für {len(docx_results)} Dateien"
    )
    print(
        f"DOCX  {args.big} Kommentare ({big_mb:.1f} MB): {status_big} in "
        f"{t_big:.2f} s, Spitze {mem_big / 1024:.0f} MB (target < 5 s, < 300 MB); "
        f"ratio to one ordinary form ({status_form}, {t_form:.2f} s): {t_big / t_form:.2f}"
    )


def cli_import(root: Path, paths: list[Path], checkout: Path) -> float:
    """Seconds of `lafast comments import PATHS` run by `checkout` as a new process."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "LAFAST_QUIET": "1"}
    t = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lafast_docs",
            "-w",
            str(root),
            "comments",
            "import",
            *map(str, paths),
        ],
        env=env,
        cwd=root,  # not this checkout's folder: `python -m` would import from there first
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"{checkout}: comments import -> {proc.returncode}\n{proc.stderr[-2000:]}")
    return took


def _import_one(root: Path, path: Path, org: str, out: Any) -> None:
    ws = find_workspace(explicit=root)
    t = time.perf_counter()
    [res] = import_files(ws, [path], from_org=org)
    took = time.perf_counter() - t
    peak = max(
        resource.getrusage(who).ru_maxrss
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    out.put((took, peak, res.status))


def in_child(root: Path, path: Path, org: str) -> tuple[float, int, str]:
    """Import one file in a fresh interpreter; its time, peak RSS (KiB, the interpreter or
    pandoc, whichever is larger) and status."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_import_one, args=(root, path, org, queue))
    proc.start()
    took, peak, status = queue.get()
    proc.join()
    return took, peak, status


if __name__ == "__main__":
    main()
