"""The published site as a reader meets it: headless Chromium over http://127.0.0.1, every link
followed, axe-core run in every HTML page – zero violations.

Needs the Debian packages chromium and chromium-driver and axe-core from npm (node_modules/,
installed by `bash scripts/test`). Nothing is downloaded at test time.
"""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.request
from collections.abc import Iterator
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from tests.browser import chromium
from tests.conftest import REPO
from tests.test_publish import Chain, chain  # noqa: F401  (the module fixture)

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from tests.checkers import need_axe

    need_axe()  # like LibreOffice and veraPDF: missing is a failure with its install line
    driver = chromium(tmp_path_factory.mktemp("chromium-profil"))
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server(chain: Chain) -> Iterator[str]:  # noqa: F811
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(chain.site))
    handler.log_message = lambda *_a, **_k: None  # type: ignore[method-assign]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _axe(driver, url: str) -> list[dict]:  # type: ignore[no-untyped-def]
    driver.get(url)
    driver.execute_script(AXE.read_text("utf-8"))
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));"
    )


def test_every_link_resolves_and_axe_finds_no_violations(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    driver = browser
    todo, seen, checked = [server + "index.html"], set(), []
    violations: dict[str, list[dict]] = {}
    external: set[str] = set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        with urllib.request.urlopen(url, timeout=30) as resp:
            assert resp.status == 200, url
            ctype = resp.headers.get("Content-Type", "")
        if "text/html" not in ctype:
            checked.append(url)
            continue
        found = _axe(driver, url)
        if found:
            violations[url] = found
        for a in driver.find_elements(By.CSS_SELECTOR, "a[href]"):
            href = a.get_attribute("href") or ""
            target, fragment = urldefrag(urljoin(url, href))
            if not target.startswith(server):
                external.add(target)
                continue
            if fragment and target == url:
                assert driver.find_elements(By.ID, fragment), f"{url}: #{fragment} fehlt"
                continue
            todo.append(target)
        checked.append(url)
    assert violations == {}
    pages = [u for u in checked if u.endswith((".html", "/"))]
    assert len(pages) >= 2  # the index and the published document page
    assert any(u.endswith(".pdf") for u in checked) and any(u.endswith(".docx") for u in checked)
    assert any(u.endswith("feed.atom") for u in checked)
    assert all(urlsplit(u).scheme in ("https", "mailto") for u in external), external
