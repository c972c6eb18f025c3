"""The live preview (`lafast vorschau`): the chunk-cached page equals the full render, errors
stay on the page, the server answers on 127.0.0.1 only what it should, a busy port is refused
in German, and a real headless Chromium sees the page change after a save."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from lafast_docs.errors import PreviewPortBusy
from lafast_docs.office import preview_patch
from lafast_docs.office.preview import Preview
from lafast_docs.office.preview_server import PreviewServer, start
from lafast_docs.render import html, incremental, markup
from lafast_docs.text.analysis import analyse
from lafast_docs.text.drafts import load_draft
from lafast_docs.workspace import Workspace

from .browser import chromium
from .conftest import SAMPLE_FS, SAMPLE_SN, copy_samples
from .test_cli import run


def _norm(page: str) -> str:
    page = re.sub(r'src="[^"]*"', 'src=""', page)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", page)).strip()


def _full_body(ws: Workspace, slug: str) -> str:
    analysis = analyse(load_draft(ws, slug))
    ast = markup.prepared(analysis, marker=markup.web_marker, images="data", inline_notes=False)
    return html.body_html(ast)


def _draft_file(ws: Workspace) -> Path:
    return ws.drafts_dir / SAMPLE_FS / "document.md"


def _insert_paragraph(ws: Workspace, text: str) -> None:
    path = _draft_file(ws)
    body = path.read_text("utf-8")
    at = body.index("\n\n", len(body) // 2)
    path.write_text(body[:at] + "\n\n" + text + body[at:], "utf-8")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    from lafast_docs.workspace.create import init_workspace

    return copy_samples(init_workspace(tmp_path_factory.mktemp("vorschau") / "ws"), SAMPLE_FS)


def _git_status(ws: Workspace) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--ignored"],
        cwd=ws.root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


# -- the chunk caches ------------------------------------------------------------------------


def test_split_chunks_cuts_at_headings_outside_code_and_divs() -> None:
    text = (
        "Vorwort\n\n# Eins\n\nText\n\n```\n\n# kein Schnitt\n```\n\n"
        "::: box\n\n# auch nicht\n\n:::\n\n## Zwei\n"
    )
    chunks = incremental.split_chunks(text)
    assert "".join(chunks) == text
    assert [c.splitlines()[0] for c in chunks] == ["Vorwort", "# Eins", "## Zwei"]


def test_note_definitions_with_continuation() -> None:
    text = (
        "A[^a] B[^b]\n\n[^a]: Erste\n    weiter\n\n    noch ein Absatz\n\n"
        "[^b]: Zweite\nNeu\n\nText\n"
    )
    defs = incremental.note_definitions(text)
    assert defs["a"] == "[^a]: Erste\n    weiter\n\n    noch ein Absatz\n"
    assert defs["b"] == "[^b]: Zweite\nNeu\n"


def test_chunked_page_equals_full_render_and_rereads_one_section(sample: Workspace) -> None:
    ws = sample
    original = _draft_file(ws).read_text("utf-8")
    reader, writer = incremental.ChunkReader(), incremental.ChunkWriter(lambda src: src)
    try:
        first = writer(analyse(load_draft(ws, SAMPLE_FS), parse=reader).model.ast["blocks"])
        assert _norm(first) == _norm(_full_body(ws, SAMPLE_FS))
        sections = reader.last_read
        assert sections > 10 and writer.last_written >= sections - 1
        # a new paragraph with a footnote in the middle: later Randnummern and footnote numbers
        # move, yet only its section goes through pandoc again
        _insert_paragraph(ws, "Ein ganz neuer Absatz.[^neu]\n\n[^neu]: Eine neue Fußnote.")
        second = writer(analyse(load_draft(ws, SAMPLE_FS), parse=reader).model.ast["blocks"])
        assert (reader.last_read, writer.last_written) == (1, 1)
        assert _norm(second) == _norm(_full_body(ws, SAMPLE_FS))
        assert "Eine neue Fußnote." in second
    finally:
        _draft_file(ws).write_text(original, "utf-8")


def test_footnote_defined_in_another_section_stays_resolved(ws: Workspace) -> None:
    from lafast_docs.text.drafts import new_draft

    draft = new_draft(ws, "stellungnahme", "probe", "Probe")
    head = draft.path.read_text("utf-8").split("\n---\n", 1)[0] + "\n---\n"
    body = "# Eins\n\nText.[^x]\n\n# Zwei\n\nMehr.\n\n[^x]: Die Notiz aus Zwei.\n"
    draft.path.write_text(head + body, "utf-8")
    reader, writer = incremental.ChunkReader(), incremental.ChunkWriter(lambda src: src)
    writer(analyse(load_draft(ws, "probe"), parse=reader).model.ast["blocks"])
    draft.path.write_text(head + body.replace("Text.", "Text, geändert."), "utf-8")
    page = writer(analyse(load_draft(ws, "probe"), parse=reader).model.ast["blocks"])
    assert reader.last_read == 1
    assert "Die Notiz aus Zwei." in page and "[^x]" not in page
    assert _norm(page) == _norm(_full_body(ws, "probe"))


# -- the preview's state ---------------------------------------------------------------------


def test_errors_show_in_german_and_the_last_good_page_stays(sample: Workspace) -> None:
    ws = sample
    path = _draft_file(ws)
    original = path.read_text("utf-8")
    before = _git_status(ws)
    preview = Preview(ws, SAMPLE_FS, pdf=False)
    try:
        good = preview.build()
        assert (good.generation, good.error) == (1, None)
        page = preview.page
        path.write_text(original.replace("\ntitle:", "\ntitle: [kaputt\nx:", 1), "utf-8")
        broken = preview.build()
        assert broken.generation == 1 and preview.page == page
        assert broken.error is not None and "Die YAML-Angaben sind fehlerhaft" in broken.error
        assert str(path) in broken.error and "Was tun:" in broken.error
        path.write_text(original + "\n![Plan](../../lafast.yaml)\n", "utf-8")
        refused = preview.build()
        assert refused.generation == 1 and "außerhalb des Ordners" in (refused.error or "")
        path.write_text(original.replace("Flüchtlingssozialarbeit", "FSA-Arbeit", 1), "utf-8")
        fixed = preview.build()
        assert (fixed.generation, fixed.error) == (2, None)
    finally:
        path.write_text(original, "utf-8")
    assert _git_status(ws) == before  # the preview writes nothing into the workspace


def test_the_changed_randnummer_is_reported(sample: Workspace) -> None:
    ws = sample
    original = _draft_file(ws).read_text("utf-8")
    preview = Preview(ws, SAMPLE_FS, pdf=False)
    try:
        preview.build()
        blocks = analyse(load_draft(ws, SAMPLE_FS)).model.blocks
        target = blocks[40]
        words = target.text.split()[:3]
        path = _draft_file(ws)
        path.write_text(original.replace(" ".join(words), " ".join(words) + " GEÄNDERT", 1))
        state = preview.build()
        assert state.rn == target.rn and f'id="rn-{target.rn}"' in preview.page
    finally:
        _draft_file(ws).write_text(original, "utf-8")


def test_background_pdf_becomes_ready(ws: Workspace) -> None:
    copy_samples(ws, SAMPLE_SN)  # the short sample: the PDF is made in a few seconds
    preview = Preview(ws, SAMPLE_SN)
    preview.build()
    state = preview.wait_pdf(timeout=300)
    assert state.pdf == "bereit" and state.pdf_error is None
    assert (preview.pdf or b"").startswith(b"%PDF-")


def test_only_what_changed_goes_to_the_browser(sample: Workspace) -> None:
    ws = sample
    path = _draft_file(ws)
    original = path.read_text("utf-8")
    preview = Preview(ws, SAMPLE_FS, pdf=False)

    def step(change) -> dict:  # type: ignore[no-untyped-def]
        old_page, old_parts = preview.page, preview.writer.parts
        path.write_text(change(path.read_text("utf-8")), "utf-8")
        patch = preview.build().patch
        assert patch is not None and patch["count"] == len(old_parts)
        assert preview_patch.apply(old_page, old_parts, patch) == preview.page
        json.dumps(patch)  # what goes over the event stream
        return patch

    try:
        assert preview.build().patch is None  # the first page is always fetched whole
        # the first save after the commit: the page's commit and "Fassung" change, nothing
        # else around the body, and those go with the one changed section
        patch = step(lambda t: t.replace("Sie erklären", "Sie erklären uns", 1))
        assert patch["meta"] == {"lafast:commit": ""} and "Fassung" not in patch["after"]
        assert patch["remove"] == 1 and patch["shift"] is None and patch["notes"] is None
        # a word: one section, nothing around it
        patch = step(lambda t: t.replace("erklären uns Abläufe", "erklären uns alle Abläufe", 1))
        assert patch["remove"] == 1 and len(patch["html"]) < 5000
        assert patch["meta"] is None and patch["after"] is None
        # a paragraph with a footnote: every later Randnummer and footnote moves by one; only
        # the changed section and the endnotes are sent, the browser renumbers the rest
        patch = step(
            lambda t: (
                t[: t.index("\n\n", len(t) // 3)]
                + "\n\nNeu.[^n]\n\n[^n]: Fußnote."
                + t[t.index("\n\n", len(t) // 3) :]
            )
        )
        assert patch["shift"] == {"rn": 1, "fn": 1} and patch["remove"] == 1
        assert patch["notes"] and len(patch["html"]) < 10000
        assert len(patch["html"]) + len(patch["notes"]) < len(preview.page) // 4
        # and removed again: the numbers move back
        patch = step(lambda t: t.replace("\n\nNeu.[^n]\n\n[^n]: Fußnote.", "", 1))
        assert patch["shift"] == {"rn": -1, "fn": -1}
        patch = step(lambda t: t)  # saved unchanged
        assert patch["remove"] == 0 and not patch["html"] and patch["shift"] is None
        # a heading renamed: the table of contents changes, the browser fetches the page
        text = path.read_text("utf-8")
        heading = re.search(r"^## (.+)$", text, re.M)
        assert heading is not None
        path.write_text(text.replace(heading.group(0), heading.group(0) + " neu", 1), "utf-8")
        assert preview.build().patch is None
    finally:
        path.write_text(original, "utf-8")


def test_a_patch_is_refused_when_more_than_body_meta_and_footer_changed() -> None:
    def page(style: str, commit: str, footer: str, parts: list[str]) -> str:
        return (
            f'<html><head><style>{style}</style><meta name="lafast:commit" content="{commit}">'
            f'</head><body><nav>Inhalt</nav>\n<main id="inhalt-text">\n{chr(10).join(parts)}'
            f"\n</main>\n<footer>{footer}</footer>\n</body>\n</html>"
        )

    parts = ["<h2>A</h2>", "<h2>B</h2>"]
    old = page("p{}", "abc", "Fassung abc", parts)
    new_parts = ["<h2>A</h2>", "<h2>B neu</h2>"]
    patch = preview_patch.page_patch(old, parts, page("p{}", "", "", new_parts), new_parts)
    assert patch is not None and patch["meta"] == {"lafast:commit": ""}
    assert patch["after"] == "\n<footer></footer>\n" and patch["start"] == 1
    assert preview_patch.apply(old, parts, patch) == page("p{}", "", "", new_parts)
    # other styles, a meta more, something after the body: the page is fetched whole
    assert preview_patch.page_patch(old, parts, page("p{x}", "", "", parts), parts) is None
    more = page("p{}", "abc", "", parts).replace("<meta", '<meta name="x" content="y"><meta')
    assert preview_patch.page_patch(old, parts, more, parts) is None
    tail = page("p{}", "abc", "", parts) + "<!-- x -->"
    assert preview_patch.page_patch(old, parts, tail, parts) is None


def test_renumbering_touches_only_the_numbered_elements() -> None:
    section = (
        '<h2 id="x">Rn. 4 und <a href="#rn-4">Verweis</a></h2>\n'
        '<div id="rn-4" class="rn-block" data-rn="4">\n'
        '<p><a href="#rn-4" class="rn" aria-label="Randnummer 4">4</a>Text 4 mit 1:80.'
        '<a href="#fn2" class="footnote-ref" id="fnref2" role="doc-noteref"><sup>2</sup></a>'
        '</p>\n</div>\n<div class="rn-block" data-rn="4">eigener Block</div>'
    )
    moved = preview_patch.shifted(section, 3, -1)
    assert '<div id="rn-7" class="rn-block" data-rn="7">' in moved
    assert '<a href="#rn-7" class="rn" aria-label="Randnummer 7">7</a>Text 4 mit 1:80.' in moved
    assert 'href="#fn1" class="footnote-ref" id="fnref1" role="doc-noteref"><sup>1</sup>' in moved
    # the author's own text and a div of another shape keep their numbers
    assert moved.startswith('<h2 id="x">Rn. 4 und <a href="#rn-4">Verweis</a></h2>')
    assert moved.endswith('<div class="rn-block" data-rn="4">eigener Block</div>')
    assert preview_patch.shifted(section, 0, 0) == section


# -- the server ------------------------------------------------------------------------------


@pytest.fixture
def served(sample: Workspace) -> Iterator[tuple[PreviewServer, str]]:
    server = start(sample, SAMPLE_FS, port=0, pdf=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, server.url
    finally:
        server.close()
        thread.join(10)
        assert not thread.is_alive()


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def test_server_answers_on_loopback_only_what_it_should(served: tuple[PreviewServer, str]) -> None:
    server, url = served
    assert url.startswith("http://127.0.0.1:") and server.httpd.server_address[0] == "127.0.0.1"
    status, ctype, page = _get(url)
    assert status == 200 and ctype == "text/html; charset=utf-8"
    assert b'data-vorschau-generation="1"' in page and b"EventSource" in page
    assert _get(url + "vorschau.pdf")[0] == 404  # no PDF asked for
    for path in ("bild/..%2F..%2Flafast.yaml", "bild/%2Fetc%2Fpasswd", "../lafast.yaml"):
        status, _ctype, body = _get(url + path)
        assert status == 404 and b"lafast" not in body and b"root:" not in body
    with urllib.request.urlopen(url + "ereignisse", timeout=30) as events:
        assert events.headers["Content-Type"].startswith("text/event-stream")
        line = events.readline()
        assert json.loads(line.removeprefix(b"data: "))["generation"] == 1


def test_a_busy_port_is_refused_in_german(served: tuple[PreviewServer, str]) -> None:
    server, _url = served
    with pytest.raises(PreviewPortBusy) as caught:
        PreviewServer(server.preview, server.port)
    assert f"Port {server.port} ist schon belegt" in caught.value.message
    code, out, err = run(
        ["vorschau", SAMPLE_FS, "--port", str(server.port)], cwd=server.preview.ws.root
    )
    assert code == 1 and out == ""
    assert err.startswith(
        f"Fehler: Port {server.port} ist schon belegt – vermutlich läuft dort schon eine "
        "Vorschau oder ein anderes Programm.\nWas tun: Öffnen Sie "
        f"http://127.0.0.1:{server.port}/ im Browser"
    )


def test_ctrl_c_stops_the_command_cleanly(sample: Workspace) -> None:
    import signal
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "lafast_docs", "vorschau", SAMPLE_FS, "--port", "0", "--ohne-pdf"],
        cwd=sample.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline() if proc.stdout else ""
        url = first.rsplit(" ", 1)[-1].strip()
        assert first.startswith(f"Vorschau von {SAMPLE_FS}: http://127.0.0.1:")
        assert _get(url)[0] == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0 and err == ""
    assert out.strip().endswith("Vorschau beendet.") and "Traceback" not in out


# -- a real browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from tests.checkers import need

    need("chromium", "chromium-driver")
    driver = chromium(tmp_path_factory.mktemp("chromium-profil"), "--window-size=1000,800")
    try:
        yield driver
    finally:
        driver.quit()


# the text, what follows it (the footer) and the head's meta data, as shown and as served whole
SHOWN = """
function shown(doc) {
  const main = doc.getElementById("inhalt-text");
  let after = "";
  for (let n = main.nextSibling; n; n = n.nextSibling) after += n.outerHTML || n.textContent;
  const metas = Array.from(doc.head.querySelectorAll("meta[name]"), (m) => m.outerHTML);
  return [main.innerHTML, after, metas.join("")];
}
"""
MAIN_NOW = SHOWN + "return shown(document);"
MAIN_FRESH = (
    SHOWN
    + """
const done = arguments[arguments.length - 1];
fetch("/", {cache: "no-store"}).then((r) => r.text()).then((t) => done(
  shown(new DOMParser().parseFromString(t, "text/html"))));
"""
)


def _same_page(driver) -> None:  # type: ignore[no-untyped-def]
    now, fresh = driver.execute_script(MAIN_NOW), driver.execute_async_script(MAIN_FRESH)
    assert [_norm(x) for x in now] == [_norm(x) for x in fresh]


def _generation(n: int):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return lambda d: (
        d.find_element(By.TAG_NAME, "html").get_attribute("data-vorschau-generation") == str(n)
    )


def _wait(driver, condition, timeout: float = 60):  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)


@pytest.mark.slow
def test_chromium_sees_the_page_change_after_a_save(
    browser, served: tuple[PreviewServer, str]
) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    driver = browser
    server, url = served
    ws = server.preview.ws
    path = _draft_file(ws)
    original = path.read_text("utf-8")
    driver.get(url)
    _wait(driver, lambda d: "aktualisiert um" in d.find_element(By.ID, "lafast-vorschau").text)
    at = original.index("\n\n", len(original) * 2 // 3) + 2  # a paragraph in the last third
    while not original[at].isalpha():  # not a heading, list or table
        at = original.index("\n\n", at) + 2
    kept = "document.querySelector('#inhalt-text > *').lafastKept"
    try:
        # every save below patches the open page: an element of the first section, marked,
        # is still there at the end (a page fetched whole would not have it)
        driver.execute_script(kept + " = true")
        # the first save after the commit: the text, the page's commit and "Fassung" change
        path.write_text(original[:at] + "NEUES WORT " + original[at:], "utf-8")
        _wait(driver, _generation(2))
        rn = server.preview.state.rn
        assert rn is not None and rn > 50
        assert server.preview.state.patch is not None
        _same_page(driver)
        assert "Fassung" not in driver.find_element(By.TAG_NAME, "footer").text
        path.write_text(original[:at] + "NEUES WORT NOCH " + original[at:], "utf-8")
        _wait(driver, _generation(3))
        assert server.preview.state.patch is not None
        assert "NEUES WORT NOCH" in driver.find_element(By.ID, f"rn-{rn}").text
        _same_page(driver)  # the patched text is the page as served whole
        # the edited Randnummer is in the window
        top = driver.execute_script(
            f"return document.getElementById('rn-{rn}').getBoundingClientRect().top"
        )
        assert 0 <= top <= driver.execute_script("return window.innerHeight")
        # a new paragraph with a footnote near the top: every later Randnummer and footnote
        # moves; only its section and the endnotes are sent, the page renumbers the rest
        top_at = original.index("\n\n", len(original) // 5) + 2
        path.write_text(
            original[:top_at]
            + "GANZ NEUER ABSATZ.[^neu]\n\n[^neu]: NEUE FUSSNOTE.\n\n"
            + original[top_at:at]
            + "NEUES WORT NOCH "
            + original[at:],
            "utf-8",
        )
        _wait(driver, _generation(4))
        patch = server.preview.state.patch
        assert patch is not None and patch["shift"] == {"rn": 1, "fn": 1}
        _same_page(driver)
        assert "NEUES WORT NOCH" in driver.find_element(By.ID, f"rn-{rn + 1}").text
        new_rn = server.preview.state.rn
        assert "GANZ NEUER ABSATZ" in driver.find_element(By.ID, f"rn-{new_rn}").text
        assert driver.execute_script(f"return {kept} === true")
        rn += 1
        # a broken front matter: German error on the page, the text stays
        path.write_text(original.replace("\ntitle:", "\ntitle: [kaputt\nx:", 1), "utf-8")
        _wait(
            driver,
            lambda d: (
                "Die YAML-Angaben sind fehlerhaft" in d.find_element(By.ID, "lafast-vorschau").text
            ),
        )
        bar = driver.find_element(By.ID, "lafast-vorschau")
        assert bar.get_attribute("role") == "alert"
        assert "letzten fehlerfreien Stand" in bar.text
        assert "NEUES WORT" in driver.find_element(By.ID, f"rn-{rn}").text
        path.write_text(original, "utf-8")
        _wait(driver, _generation(5))
        assert "NEUES WORT" not in driver.find_element(By.ID, f"rn-{rn}").text
        assert driver.find_element(By.ID, "lafast-vorschau").get_attribute("role") == "status"
    finally:
        path.write_text(original, "utf-8")
    time.sleep(0)  # the server fixture closes the stream; the page says the preview ended
