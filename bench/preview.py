"""Live-preview benchmark: save -> updated page in a real browser, 70-page Fachstandard.

    python3 bench/preview.py [--pages 70] [--edits 10]

Builds the benchmark Fachstandard (bench/render.py), starts `lafast vorschau` in this process
(background PDF on, as staff use it), opens the page in headless Chromium and saves edits at
different places of the draft (a word changed, a paragraph with a footnote inserted near the
top, which renumbers every later Randnummer; the first save after the commit). Reports
minimum, median and maximum, for all saves and per kind of save:
  page   save -> the browser has swapped in the new page (MutationObserver in the page,
         wall clock on both sides)                                   target <= 0.5 s
         (every save patches the open page, `office/preview_patch.py`: the first after the
         commit also its commit meta and footer; a new paragraph its section and the
         endnotes, the page renumbering the later Randnummern itself)
  build  the rebuild alone (Preview.build, chunk caches warm)
  full   the same page without caches: one `render --format html` (what staff had before)
  pdf    the background PDF of the first build (seconds until "bereit")
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from render import SLUG, make_workspace  # noqa: E402

from lafast_docs.office.preview_server import start  # noqa: E402
from lafast_docs.outputs.document import render  # noqa: E402
from lafast_docs.workspace import find_workspace  # noqa: E402

WAIT_SWAP = """
const done = arguments[arguments.length - 1], want = Number(arguments[0]);
const html = document.documentElement;
const now = () => Number(html.getAttribute("data-vorschau-generation"));
if (now() >= want) { done(Date.now()); return; }
new MutationObserver((_m, obs) => {
  if (now() < want) return;
  obs.disconnect();
  done(Date.now());
}).observe(html, {attributes: true});
"""


def browser(profile: Path):  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1000,800",
                f"--user-data-dir={profile}"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(
        service=Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"),
        options=options,
    )
    driver.set_script_timeout(60)
    return driver


def edits(text: str, n: int) -> list[tuple[str, str]]:
    """n versions of the draft, each one save after the other, with the kind of edit."""
    out, current = [], text
    for i in range(n):
        body_start = current.index("\n---\n", 4) + 5
        kind = "Wort"
        if i % 3 == 1:  # a new paragraph with a footnote near the top: everything renumbers
            at = current.index("\n\n", body_start + 2000) + 2
            current = (
                current[:at]
                + f"Neuer Absatz {i}.[^neu{i}]\n\n[^neu{i}]: Fußnote {i}.\n\n"
                + current[at:]
            )
            kind = "Absatz"
        else:  # a word in a paragraph further down (not a heading, list, table or footnote)
            at = current.index(
                "\n\n", body_start + (len(current) - body_start) * (i + 1) // (n + 1)
            )
            while not current[at + 2].isalpha():
                at = current.index("\n\n", at + 2)
            at += 2
            current = current[:at] + f"Geändert{i} " + current[at:]
        out.append((current, "erste" if i == 0 else kind))
    return out


def spread(times: list[float]) -> str:
    return (
        f"min {min(times):.3f}  median {statistics.median(times):.3f}  max {max(times):.3f} s"
        f"  (n={len(times)})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=70)
    ap.add_argument("--edits", type=int, default=10)
    ap.add_argument("--ohne-pdf", action="store_true", help="no background PDF")
    args = ap.parse_args()
    for key in ("GIT_AUTHOR", "GIT_COMMITTER"):
        os.environ.setdefault(f"{key}_NAME", "bench")
        os.environ.setdefault(f"{key}_EMAIL", "bench@lafast.invalid")
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        root = make_workspace(tmpdir / "ws", args.pages)
        ws = find_workspace(explicit=root)
        t = time.perf_counter()
        render(ws, SLUG, formats=("html",), force=True)
        t_full = time.perf_counter() - t
        server = start(ws, SLUG, port=0, pdf=not args.ohne_pdf)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        t0 = time.perf_counter()
        pdf_state = server.preview.wait_pdf(timeout=600)
        t_pdf = time.perf_counter() - t0
        driver = browser(tmpdir / "profil")
        path = ws.drafts_dir / SLUG / "document.md"
        page_times: list[tuple[str, float]] = []
        build_times = []
        try:
            driver.get(server.url)
            for text, kind in edits(path.read_text("utf-8"), args.edits):
                saved: list[float] = []

                def save(text: str = text, saved: list[float] = saved) -> None:
                    time.sleep(0.3)  # the observer is listening by then
                    saved.append(time.time())
                    path.write_text(text, "utf-8")

                writer = threading.Thread(target=save)
                writer.start()
                want = server.preview.state.generation + 1  # a build per save, not n
                swapped = driver.execute_async_script(WAIT_SWAP, want) / 1000
                writer.join()
                page_times.append((kind, swapped - saved[0]))
                time.sleep(0.5)
        finally:
            driver.quit()
            server.close()
        server.preview.with_pdf = False
        for _ in range(5):  # the rebuild alone (server closed: no watcher), one changed section
            path.write_text(path.read_text("utf-8").replace("Geändert", "Geaendert", 1))
            t = time.perf_counter()
            server.preview.build()
            build_times.append(time.perf_counter() - t)
        print(f"Vorschau, {args.pages}-Seiten-Fachstandard, {args.edits} Speichervorgänge")
        every = [t for _k, t in page_times]
        print(f"page  save -> new page in Chromium: {spread(every)}   (target <= 0.5 s)")
        for kind, what in (("Wort", "a word"), ("Absatz", "new paragraph"), ("erste", "first")):
            times = [t for k, t in page_times if k == kind]
            if times:
                print(f"      {what:<14} {spread(times)}")
        print("      each save: " + ", ".join(f"{k} {t:.3f}" for k, t in page_times) + " s")
        print(f"build rebuild alone (one section changed): {spread(build_times)}")
        print(f"full  render --format html, no caches (before): {t_full:.3f} s")
        print(f"pdf   background PDF ready after {t_pdf:.1f} s ({pdf_state.pdf})")


if __name__ == "__main__":
    main()
