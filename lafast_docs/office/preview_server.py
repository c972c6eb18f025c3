"""The live preview's web server: 127.0.0.1 only, standard library, server-sent events.

    GET /              the draft's web page (with the preview script)
    GET /ereignisse    server-sent events: the preview's state after every build
    GET /vorschau.pdf  the background PDF, once it is ready
    GET /bild/<src>    a checked image of the draft (only those the page uses)

The script in the page listens to /ereignisse; on a new generation it applies the patch the
event carries (`preview_patch`: the changed sections, later Randnummern renumbered in place,
the endnotes, the commit meta and footer; the server checked on the text that the patched page
is exactly the new page), and otherwise fetches the page and swaps the body in place; then it
scrolls to the Randnummer that changed (or keeps the Randnummer that was at the top of the
window). A bar at the top says when the page was
updated, shows build errors in German and offers the PDF when it is ready.

A watcher thread polls the draft's folder, the templates and the workspace's top-level YAML
files every 20 ms (a stat of a few dozen files; no extra dependency, same on every system) and
rebuilds on any change, once the files have stayed unchanged for 10 ms (a file written in place
is empty for a moment).
"""

from __future__ import annotations

import errno
import http.server
import json
import signal
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lafast_docs.errors import PreviewPortBusy, PreviewPortRefused
from lafast_docs.office.preview import Preview, State
from lafast_docs.workspace import Workspace

HOST = "127.0.0.1"  # never another interface: drafts are internal until published
POLL = 0.02
SETTLE = 0.01  # a change counts once the files are unchanged for this long
HEARTBEAT = 15.0

SCRIPT = """<script>
(function () {
  "use strict";
  var shown = Number(document.documentElement.getAttribute("data-vorschau-generation") || 0);
  function bar() {
    var el = document.getElementById("lafast-vorschau");
    if (!el) {
      el = document.createElement("div");
      el.id = "lafast-vorschau";
      el.setAttribute("role", "status");
      el.style.cssText = "position:sticky;top:0;z-index:1000;padding:.4rem .8rem;" +
        "font:14px/1.4 system-ui,sans-serif;background:#eef3f8;color:#111;" +
        "border-bottom:1px solid #8a8a8a;white-space:pre-wrap";
      document.body.insertBefore(el, document.body.firstChild);
    }
    return el;
  }
  function topRn() {
    var marks = document.querySelectorAll("[id^='rn-']");
    for (var i = 0; i < marks.length; i++) {
      var top = marks[i].getBoundingClientRect().top;
      if (top >= 0) return {id: marks[i].id, top: top};
    }
    return null;
  }
  function show(state) {
    var el = bar(), text = "Vorschau – aktualisiert um " + state.time + ". ";
    el.style.background = state.error ? "#fde8e8" : "#eef3f8";
    el.setAttribute("role", state.error ? "alert" : "status");
    el.textContent = "";
    if (state.error) {
      var err = document.createElement("strong");
      err.textContent = "Die Vorschau zeigt noch den letzten fehlerfreien Stand.\\n" + state.error;
      el.appendChild(err);
      el.appendChild(document.createTextNode("\\n"));
    }
    el.appendChild(document.createTextNode(text));
    if (state.pdf === "bereit") {
      var a = document.createElement("a");
      a.href = "/vorschau.pdf?g=" + state.generation;
      a.target = "_blank";
      a.textContent = "PDF-Vorschau öffnen";
      el.appendChild(a);
    } else if (state.pdf === "wird erstellt") {
      el.appendChild(document.createTextNode("PDF wird im Hintergrund erstellt …"));
    } else if (state.pdf === "fehler") {
      el.appendChild(document.createTextNode("PDF nicht erstellt: " + state.pdfError));
    }
  }
  function scrollTo(state, keep) {
    var target = state.rn && document.getElementById("rn-" + state.rn);
    if (target) {
      target.scrollIntoView({block: "center"});
    } else if (keep && document.getElementById(keep.id)) {
      var now = document.getElementById(keep.id).getBoundingClientRect().top;
      window.scrollBy(0, now - keep.top);
    }
  }
  function groups(main) {
    // where each part of the body starts: its first element, every heading, the endnotes
    var starts = [];
    for (var n = main.firstElementChild; n; n = n.nextElementSibling) {
      if (!starts.length || /^H[1-6]$/.test(n.tagName) || n.id === "footnotes") starts.push(n);
    }
    return starts;
  }
  function fragment(html) {
    var t = document.createElement("template");
    t.innerHTML = html;
    return t.content;
  }
  function decode(text) {
    var t = document.createElement("textarea");
    t.innerHTML = text;
    return t.value;
  }
  function number(el, attr, prefix) {
    var value = el.getAttribute(attr);
    return value && value.indexOf(prefix) === 0 && /^[0-9]+$/.test(value.slice(prefix.length)) ?
      value.slice(prefix.length) : null;
  }
  function only(el, tag) {
    return el.childNodes.length === 1 && (tag ? el.firstChild.tagName === tag :
      el.firstChild.nodeType === 3);
  }
  function renumber(node, rn, fn) {
    // the numbered elements in exactly the shapes the server moved on the text
    // (preview_patch.shifted); anything else stays as it is
    if (node.nodeType !== 1) return;
    var found = [node].concat(
      Array.from(node.querySelectorAll("div.rn-block, a.rn, a.footnote-ref")));
    found.forEach(function (el) {
      var n, k;
      if (el.tagName === "DIV" && el.className === "rn-block" && el.attributes.length === 3 &&
          (n = number(el, "data-rn", "")) !== null && el.id === "rn-" + n) {
        k = String(+n + rn);
        el.id = "rn-" + k;
        el.setAttribute("data-rn", k);
      } else if (el.tagName === "A" && el.className === "rn" && el.attributes.length === 3 &&
          (n = number(el, "href", "#rn-")) !== null && only(el) && el.textContent === n &&
          el.getAttribute("aria-label") === "Randnummer " + n) {
        k = String(+n + rn);
        el.setAttribute("href", "#rn-" + k);
        el.setAttribute("aria-label", "Randnummer " + k);
        el.textContent = k;
      } else if (el.tagName === "A" && el.className === "footnote-ref" &&
          el.attributes.length === 4 && (n = number(el, "href", "#fn")) !== null &&
          el.id === "fnref" + n && el.getAttribute("role") === "doc-noteref" &&
          only(el, "SUP") && only(el.firstChild) && el.firstChild.textContent === n) {
        k = String(+n + fn);
        el.setAttribute("href", "#fn" + k);
        el.id = "fnref" + k;
        el.firstChild.textContent = k;
      }
    });
  }
  function patch(state) {
    // only what changed: the server checked that the page is then the new one
    var p = state.patch, main = document.getElementById("inhalt-text");
    if (!p || state.generation !== shown + 1 || !main) return false;
    if (p.after !== null && main.parentNode !== document.body) return false;
    var starts = groups(main);
    if (starts.length !== p.count) return false;
    var keep = topRn();
    var last = starts[starts.length - 1];
    var notes = last && last.id === "footnotes" ? last : null;
    var stop = p.start + p.remove < starts.length ? starts[p.start + p.remove] : null;
    var node = p.start < starts.length ? starts[p.start] : null;
    while (node && node !== stop) {
      var next = node.nextSibling;
      node.remove();
      node = next;
    }
    if (p.html) main.insertBefore(fragment(p.html + "\\n"), stop);
    if (p.shift) {
      for (node = stop; node && node !== notes; node = node.nextSibling) {
        renumber(node, p.shift.rn, p.shift.fn);
      }
    }
    if (p.notes !== null) {
      if (notes) notes.remove();
      if (p.notes) main.appendChild(fragment(p.notes + "\\n"));
    }
    Object.keys(p.meta || {}).forEach(function (name) {
      document.head.querySelectorAll("meta[name]").forEach(function (m) {
        if (m.getAttribute("name") === name) m.setAttribute("content", decode(p.meta[name]));
      });
    });
    if (p.after !== null) {
      while (main.nextSibling) main.nextSibling.remove();
      document.body.appendChild(fragment(p.after));
    }
    shown = state.generation;
    document.documentElement.setAttribute("data-vorschau-generation", String(shown));
    scrollTo(state, keep);
    return true;
  }
  function swap(state) {
    if (patch(state)) return null;
    var keep = topRn();
    return fetch("/?g=" + state.generation, {cache: "no-store"}).then(function (r) {
      return r.text();
    }).then(function (text) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      document.title = doc.title;
      var styles = document.head.querySelectorAll("style");
      for (var i = 0; i < styles.length; i++) styles[i].remove();
      doc.head.querySelectorAll("style").forEach(function (s) {
        document.head.appendChild(s);
      });
      document.body.replaceChildren.apply(document.body, Array.from(doc.body.childNodes));
      shown = state.generation;
      document.documentElement.setAttribute("data-vorschau-generation", String(shown));
      scrollTo(state, keep);
    });
  }
  var pending = Promise.resolve();
  function connect() {
    var source = new EventSource("/ereignisse");
    source.onmessage = function (event) {
      var state = JSON.parse(event.data);
      pending = pending.then(function () {
        return state.generation > shown ? swap(state) : null;
      }).then(function () { show(state); }, function () { show(state); });
    };
    source.onerror = function () {
      bar().textContent = "Die Vorschau ist beendet (lafast vorschau läuft nicht mehr).";
    };
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
</script>"""

FIRST_ERROR_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Vorschau – Fehler</title></head>
<body><main><h1>Vorschau</h1><p>Der Entwurf lässt sich noch nicht anzeigen; der Fehler steht
oben. Sobald Sie ihn behoben und gespeichert haben, erscheint hier der Text.</p></main></body>
</html>"""


def with_script(page: str, generation: int) -> str:
    """The page with the preview script in its head and its generation on <html>."""
    head = page.find("</head>")
    page = page[:head] + SCRIPT + page[head:] if head >= 0 else SCRIPT + page
    marker = f'<html data-vorschau-generation="{generation}"'
    return page.replace("<html", marker, 1)


class Handler(http.server.BaseHTTPRequestHandler):
    preview: Preview
    stopping: threading.Event
    server_version = "lafast-vorschau"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows the address and errors, not every request

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/":
            state = self.preview.state
            page = self.preview.page or FIRST_ERROR_PAGE
            self._send(200, with_script(page, state.generation).encode(), "text/html")
        elif path == "/ereignisse":
            self._events()
        elif path == "/vorschau.pdf":
            pdf = self.preview.pdf
            if pdf is None:
                self._send(404, b"Die PDF-Vorschau wird noch erstellt.", "text/plain")
            else:
                self._send(200, pdf, "application/pdf")
        elif path.startswith("/bild/") and (found := self.preview.image(unquote(path[6:]))):
            self._send(200, *found)
        else:
            self._send(404, b"Nicht gefunden.", "text/plain")

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        charset = "; charset=utf-8" if ctype.startswith("text/") else ""
        self.send_header("Content-Type", ctype + charset)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        preview, stopping = self.preview, self.stopping
        last: State | None = None
        try:
            while not stopping.is_set():
                state = preview.wait_change(last, HEARTBEAT, stopping)
                if state is last:
                    self.wfile.write(b": still here\n\n")
                else:
                    data = json.dumps(state.as_json(), ensure_ascii=False)
                    self.wfile.write(f"data: {data}\n\n".encode())
                    last = state
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return  # the browser tab was closed


class PreviewServer:
    """The server, its watcher and the preview; `serve_forever` until `close` (Ctrl-C)."""

    def __init__(self, preview: Preview, port: int) -> None:
        self.preview = preview
        self.stopping = threading.Event()
        handler = type("BoundHandler", (Handler,), {"preview": preview, "stopping": self.stopping})
        try:
            self.httpd = http.server.ThreadingHTTPServer((HOST, port), handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PreviewPortBusy(
                    f"Port {port} ist schon belegt – vermutlich läuft dort schon eine Vorschau "
                    "oder ein anderes Programm.",
                    hint=f"Öffnen Sie http://{HOST}:{port}/ im Browser, beenden Sie die andere "
                    f"Vorschau mit Strg+C in ihrem Fenster oder wählen Sie einen anderen Port, "
                    f"z. B. „lafast vorschau {preview.slug} --port {_other(port)}“.",
                ) from exc
            raise PreviewPortRefused(
                f"Port {port} lässt sich nicht öffnen ({exc.strerror}).",
                hint=f"Wählen Sie einen Port über 1024, z. B. „--port {_other(port)}“.",
            ) from exc
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://{HOST}:{self.port}/"
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self._started = False

    def serve_forever(self) -> None:
        """Serve until `close` (from another thread) or Ctrl-C (KeyboardInterrupt)."""
        self._started = True
        self.watcher.start()
        self.httpd.serve_forever(poll_interval=0.2)

    def close(self) -> None:
        """Stop watching, end the event streams, close the port."""
        self.stopping.set()
        with self.preview.changed:
            self.preview.changed.notify_all()
        if self._started:  # returns at once when Ctrl-C has already ended serve_forever
            self.httpd.shutdown()
        self.httpd.server_close()

    def _watch(self) -> None:
        seen = _snapshot(self.preview.watched())
        while not self.stopping.wait(POLL):
            now = _snapshot(self.preview.watched())
            if now == seen:
                continue
            # an editor that writes in place empties the file first: build only once the
            # files stay as they are for a moment, or the page shows half a text (or its
            # error) and the whole text waits for that build
            while not self.stopping.wait(SETTLE):
                seen, now = now, _snapshot(self.preview.watched())
                if now == seen:
                    break
            if self.stopping.is_set():
                return
            self.preview.build()


def _snapshot(files: list[Path]) -> dict[Path, tuple[int, int]]:
    found = {}
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue  # removed between listing and stat: the next poll sees it
        found[f] = (st.st_mtime_ns, st.st_size)
    return found


def _other(port: int) -> int:
    return port + 1 if 1024 <= port < 65535 else 8001


def start(ws: Workspace, slug: str, *, port: int, pdf: bool = True) -> PreviewServer:
    """The preview of `slug` on 127.0.0.1:`port`, first page built (errors shown on it)."""
    preview = Preview(ws, slug, pdf=pdf)
    server = PreviewServer(preview, port)  # the port first: a busy one fails at once
    preview.build()
    return server


def serve(server: PreviewServer) -> None:
    """Serve until Ctrl-C (or SIGTERM), then close cleanly. Ctrl-C works even when the shell
    started lafast with SIGINT ignored (a background job)."""

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt), signal.signal(signal.SIGINT, interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
