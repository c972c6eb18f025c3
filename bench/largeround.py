"""The year's largest consultation, step by step, as the office runs it.

    python3 bench/largeround.py [--pages 100] [--orgs 40] [--comments 600] [--proposals 250]
                                [--versions 4] [--repeat 1]

Builds the scenario from the shipped sample (bench/render.py's ~`--pages` Fachstandard, its
repeated half varied so that phrases are unique): `--orgs` invited organisations answering
with `--comments` comments in all, `--proposals` of them with a text proposal. Every measured
step runs as its own `lafast` process (start-up included, as staff see it); reported per step:
wall time and the peak memory of the largest process (the command or one of its children).

Steps: `consult open` (forms for all), `comments import`, `synopse` (PDF, DOCX, XLSX),
`redline` (PDF, DOCX, HTML), `comments reply` for every organisation, and the document's own
PDF (`render --force --format pdf`), the baseline of the ratios, and all its formats
(`render --force`: PDF, DOCX, HTML, as the redline makes them). On a busy machine set
LAFAST_RENDER_TIMEOUT (seconds) above WeasyPrint's 120 s limit.
Targets (issue #20): open <= 10 s, replies <= 25 s, Synopse <= 1.3 x and redline <= 1.3 x the
document's PDF render, <= 400 MB per process at every step.

With `--versions N` (N >= 3) a second scale point follows: N - 2 more rounds of `--small`
comments, each decided, confirmed and merged, so that the draft has N versions; `blame` (cold,
without cached versions, and warm), `synopse` (first round tag to HEAD, PDF) and `status` are
measured after every round; none may grow worse than linearly: x N/2 from 2 to N versions,
for the Synopse x (N - 1) in the rounds it spans.

Runs whichever lafast it finds first on PYTHONPATH (this checkout unless PYTHONPATH names
another), so the same script measures before and after a change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.append(str(REPO))  # after PYTHONPATH: another checkout given there wins
lafast_docs = importlib.import_module("lafast_docs")  # first: render.py puts REPO in front

from consolidation import all_accepted, pick_proposals, vary_second_half  # noqa: E402
from intake import yaml_submission  # noqa: E402
from render import SLUG, make_workspace  # noqa: E402

from lafast_docs.consultation.rounds import find_round  # noqa: E402
from lafast_docs.consultation.submissions import list_submissions  # noqa: E402
from lafast_docs.decisions import disposition  # noqa: E402
from lafast_docs.decisions.merge import merge  # noqa: E402
from lafast_docs.text.drafts import load_draft  # noqa: E402
from lafast_docs.text.history import model_of  # noqa: E402
from lafast_docs.workspace import find_workspace  # noqa: E402
from lafast_docs.workspace.addressbook import add_org  # noqa: E402

LAFAST_PATH = str(Path(lafast_docs.__file__).resolve().parent.parent)


AGAINST: list[str] = []  # --against: the checkout measured before each step, for the ratio


def lafast(root: Path, *args: str, path: str = LAFAST_PATH) -> tuple[float, float]:
    """Run `lafast -w root ARGS` as a new process: (seconds, peak MB of the largest process)."""
    env = {**os.environ, "PYTHONPATH": path, "LAFAST_QUIET": "1"}
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "lafast_docs", "-w", str(root), *args],
            env=env,
            cwd=root,  # not a checkout's folder: `python -m` would import from there first
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        # wait4: this process's peak and that of its waited-for descendants (a forked
        # WeasyPrint child too), the larger of the two
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            sys.exit(f"lafast {' '.join(args)} -> {proc.returncode}\n{err.read()[-2000:]!r}")
    peak = usage.ru_maxrss / 1024
    return seconds, peak


def measured(root: Path, repeat: int, *args: str) -> tuple[float, float]:
    for path in AGAINST:  # the other checkout just before, on the same workspace and load
        runs = [lafast(root, *args, path=path) for _ in range(repeat)]
        BEFORE[" ".join(args)] = statistics.median(r[0] for r in runs)
    runs = [lafast(root, *args) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


BEFORE: dict[str, float] = {}


def answers(
    rnd, orgs: list[str], blocks, body: str, rng: random.Random, comments: int, proposals: int
) -> list[str]:  # type: ignore[no-untyped-def]
    """One YAML answer per organisation; `proposals` of the comments change a unique phrase."""
    chosen = pick_proposals(body, blocks, proposals, rng) if proposals else []
    plain = comments - len(chosen)
    texts = []
    for k, org in enumerate(orgs):
        head = yaml_submission(rnd, org, blocks, rng, len(range(k, plain, len(orgs))))
        head = head.replace("einwilligung: intern", "einwilligung: oeffentlich")
        if "anmerkungen:\n" not in head:
            head += "anmerkungen:\n"
        for rn, old, new in chosen[k :: len(orgs)]:
            head += (
                f"  - rn: {rn}\n    art: redaktionell\n"
                f"    zitat: {json.dumps(old, ensure_ascii=False)}\n"
                f'    anmerkung: "Bitte präzisieren (Rn. {rn})."\n'
                f"    aenderungsvorschlag: {json.dumps(new, ensure_ascii=False)}\n"
            )
        texts.append(head)
    return texts


def one_round(
    root: Path,
    orgs: list[str],
    inbox: Path,
    rng: random.Random,
    comments: int,
    proposals: int,
    *,
    timed: dict[str, tuple[float, float]] | None = None,
) -> str:
    """Open a round, answer, import, decide, confirm, merge; returns the round's tag."""
    deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    invite = ",".join(orgs)
    if timed is not None and AGAINST:  # a round opened and closed by the other checkout
        t = time.perf_counter()
        lafast(
            root,
            "consult",
            "open",
            SLUG,
            "--deadline",
            deadline,
            "--invite",
            invite,
            path=AGAINST[0],
        )
        BEFORE["consult open"] = time.perf_counter() - t
        lafast(root, "consult", "close", SLUG)
    step = lafast(root, "consult", "open", SLUG, "--deadline", deadline, "--invite", invite)
    ws = find_workspace(explicit=root)
    rnd = find_round(ws, SLUG)
    draft = load_draft(ws, SLUG)
    blocks = model_of(draft).blocks
    inbox.mkdir()
    paths = []
    for org, text in zip(
        orgs, answers(rnd, orgs, blocks, draft.body, rng, comments, proposals), strict=True
    ):
        p = inbox / f"{org}.yaml"
        p.write_text(text, "utf-8")
        paths.append(str(p))
    if timed is not None and AGAINST:  # the other checkout imports into a copy just before
        copy = root.with_name(root.name + "-vorher")
        shutil.copytree(root, copy)
        BEFORE["comments import"] = lafast(copy, "comments", "import", *paths, path=AGAINST[0])[0]
        shutil.rmtree(copy)
    imported = lafast(root, "comments", "import", *paths)
    if timed is not None:
        timed["consult open"] = step
        timed["comments import"] = imported
    ws = find_workspace(explicit=root)
    decisions = []
    for sub in list_submissions(rnd.folder):
        for c in sub.comments:
            verdict = "angenommen" if c.get("proposal") else "kenntnis"
            decisions.append(disposition.make(ws, c["id"], verdict, reason="Benchmark"))
    disposition.append(ws, rnd.folder, decisions, message="Benchmark: Abwägung")
    all_accepted(ws)
    merge(ws, SLUG)
    lafast(root, "consult", "close", SLUG)
    return rnd.tag


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--orgs", type=int, default=40)
    ap.add_argument("--comments", type=int, default=600)
    ap.add_argument("--proposals", type=int, default=250)
    ap.add_argument("--versions", type=int, default=1, help="second scale point (e.g. 4)")
    ap.add_argument("--small", type=int, default=80, help="comments per later round")
    ap.add_argument("--repeat", type=int, default=1, help="median of this many runs per step")
    ap.add_argument(
        "--against", metavar="CHECKOUT", help="measure this checkout too, just before each step"
    )
    args = ap.parse_args()
    if args.against:
        AGAINST.append(str(Path(args.against).resolve()))
    for key in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        os.environ.setdefault(key, "bench")
    for key in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        os.environ.setdefault(key, "bench@lafast.invalid")
    print(f"lafast aus {LAFAST_PATH}")
    rng = random.Random(20)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        root = make_workspace(tmpdir / "ws", args.pages)
        vary_second_half(root)
        ws = find_workspace(explicit=root)
        orgs = [f"traeger-{i:03d}" for i in range(args.orgs)]
        for org in orgs:
            add_org(ws, org, name=f"Träger {org}", type="traeger", email=f"{org}@example.org")
        steps: dict[str, tuple[float, float]] = {}
        tag = one_round(
            root, orgs, tmpdir / "eingang-1", rng, args.comments, args.proposals, timed=steps
        )
        r = args.repeat
        named = {
            "synopse": ("synopse", SLUG, tag, "HEAD"),
            "redline": ("redline", SLUG, tag, "HEAD"),
            "comments reply": ("comments", "reply", SLUG),
            "render --force --format pdf": ("render", SLUG, "--force", "--format", "pdf"),
            "render --force": ("render", SLUG, "--force"),  # PDF, DOCX, HTML like the redline
        }
        for name, cmd in named.items():
            steps[name] = measured(root, r, *cmd)
            if " ".join(cmd) in BEFORE:
                BEFORE[name] = BEFORE.pop(" ".join(cmd))
        doc_pdf = steps["render --force --format pdf"]
        pages = _pages(root / "build" / SLUG / f"{SLUG}.pdf")
        print(
            f"{pages} Seiten, {args.orgs} Organisationen, {args.comments} Anmerkungen "
            f"({args.proposals} mit Vorschlag); Median aus {r}"
        )
        vorher = f"{'vorher':>9} {'Verh.':>6}" if AGAINST else ""
        print(f"{'Schritt':32} {'Zeit':>8} {'Speicher':>10} {vorher}")
        for name, (seconds, mb) in steps.items():
            before = BEFORE.get(name)
            extra = f"{before:7.1f} s {seconds / before:6.2f}" if before else ""
            print(f"{name:32} {seconds:6.1f} s {mb:7.0f} MB {extra}")
        base = doc_pdf[0]
        print(
            f"Ziele: open {steps['consult open'][0]:.1f} s (<= 10), replies "
            f"{steps['comments reply'][0]:.1f} s (<= 25), Synopse "
            f"{steps['synopse'][0] / base:.2f} x PDF (<= 1.3), redline "
            f"{steps['redline'][0] / base:.2f} x PDF, "
            f"{steps['redline'][0] / steps['render --force'][0]:.2f} x render --force (<= 1.3), "
            "Speicher "
            f"{max(mb for _s, mb in steps.values()):.0f} MB (<= 400)"
        )
        if args.versions >= 3:
            scale_point(root, tmpdir, orgs, rng, args, first_tag=tag)


def scale_point(
    root: Path, tmpdir: Path, orgs: list[str], rng: random.Random, args, first_tag: str
) -> None:  # type: ignore[no-untyped-def]
    """blame (cold: no cached versions; warm: the second run), synopse and status after each
    further round, from the first round's 2 versions (consulted, merged) to `--versions`."""
    ws = find_workspace(explicit=root)
    rn = str(model_of(load_draft(ws, SLUG)).blocks[40].rn)
    cache = ws.store.git_dir() / "lafast" / "bloecke"
    at: dict[int, dict[str, float]] = {}
    count: dict[int, int] = {}  # the draft's commits at each point
    for n in range(2, args.versions + 1):
        if n > 2:
            one_round(root, orgs, tmpdir / f"eingang-{n}", rng, args.small, args.small // 3)
        shutil.rmtree(cache, ignore_errors=True)
        cold = measured(root, 1, "blame", SLUG, "--rn", rn)[0]
        lafast(root, "status")  # its caches as after any earlier command
        at[n] = {
            "blame kalt": cold,
            "blame": measured(root, args.repeat, "blame", SLUG, "--rn", rn)[0],
            "synopse": measured(
                root, args.repeat, "synopse", SLUG, first_tag, "HEAD", "--format", "pdf"
            )[0],
            "status": measured(root, args.repeat, "status")[0],
        }
        count[n] = len(ws.store.log(load_draft(ws, SLUG).path))
        print(
            f"  {n - 1} Runde(n), {count[n]} Versionen: "
            + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in at[n].items()),
            flush=True,
        )
    last = args.versions
    # linear: in versions (blame, status), in rounds spanned (the Synopse: x N-1)
    linear = {name: count[last] / count[2] for name in at[2]} | {"synopse": float(last - 1)}
    print(
        f"Zweiter Skalenpunkt: {last - 1} Runden gegen 1 ({count[last]} gegen {count[2]} Versionen)"
    )
    for name, bound in linear.items():
        growth = at[last][name] / at[2][name]
        verdict = "ok" if growth <= bound else "SCHLECHTER ALS LINEAR"
        print(
            f"  {name:11} {at[2][name]:6.2f} s -> {at[last][name]:6.2f} s "
            f"(x {growth:.2f}, linear x {bound:.1f}) {verdict}"
        )


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


if __name__ == "__main__":
    main()
