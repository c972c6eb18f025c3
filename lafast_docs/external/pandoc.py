"""pandoc: found once via pypandoc-binary, version-checked, always sandboxed with a time limit.

pandoc ships inside the `pypandoc-binary` wheel and is not on PATH; `pypandoc.get_pandoc_path()`
finds it. Every run uses `--sandbox` so that readers and writers cannot touch files; images are
handed to pandoc as data URIs after lafast has checked them (see render/assets.py).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lafast_docs.errors import RenderError, ToolMissing
from lafast_docs.external import limits

MIN_VERSION = (3, 1, 6)
DEFAULT_TIMEOUT = 120.0
# Pandoc Markdown as authors write it, without the parts lafast does not support: metadata
# blocks (front matter is read by lafast), citations and raw TeX (would silently vanish), and
# pandoc's own heading ids (lafast makes ASCII ids with German transliteration, textmodel.py).
# Without native_divs/spans, HTML <div>/<span> stay raw HTML and are refused like all raw HTML.
MARKDOWN = (
    "markdown-yaml_metadata_block-pandoc_title_block-citations-raw_tex-auto_identifiers"
    "-native_divs-native_spans"
    "-latex_macros-tex_math_dollars-tex_math_single_backslash"
)


@dataclass(frozen=True)
class PandocInfo:
    path: str
    version: tuple[int, ...]

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


@functools.cache
def get_pandoc() -> PandocInfo:
    """Locate pandoc (LAFAST_PANDOC overrides, else the copy inside pypandoc-binary)."""
    path = os.environ.get("LAFAST_PANDOC", "")
    if not path:
        try:
            import pypandoc

            path = pypandoc.get_pandoc_path()
        except (ImportError, OSError) as exc:
            raise ToolMissing(
                "pandoc wurde nicht gefunden.",
                hint="Installieren Sie lafast neu (pip install -e .); das Paket "
                "pypandoc-binary bringt pandoc mit.",
            ) from exc
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolMissing(f"pandoc ({path}) lässt sich nicht starten: {exc}") from exc
    first = out.splitlines()[0] if out else ""
    try:
        version = tuple(int(x) for x in first.split()[1].split("."))
    except (IndexError, ValueError) as exc:
        raise ToolMissing(f"Unbekannte pandoc-Version: „{first}“.") from exc
    if version < MIN_VERSION:
        raise ToolMissing(
            f"pandoc {'.'.join(map(str, version))} ist zu alt; nötig ist mindestens "
            f"{'.'.join(map(str, MIN_VERSION))}.",
            hint="Aktualisieren Sie das Paket: pip install -U pypandoc-binary",
        )
    return PandocInfo(path, version)


def run(
    args: list[str],
    data: str | bytes = "",
    *,
    timeout: float = DEFAULT_TIMEOUT,
    what: str = "pandoc",
) -> bytes:
    """Run pandoc sandboxed with `args`, feeding `data` on stdin; returns stdout."""
    exe = get_pandoc().path
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        proc = subprocess.run(
            [exe, "+RTS", f"-M{limits.PANDOC_HEAP}", "-RTS", "--sandbox", *args],
            input=raw,
            capture_output=True,
            timeout=min(timeout, limits.timeout()),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"{what} hat nach {min(timeout, limits.timeout()):.0f} Sekunden nicht geantwortet "
            "und wurde abgebrochen.",
            hint="Das Dokument ist vermutlich zu groß oder zu tief verschachtelt; teilen Sie es "
            "auf oder vereinfachen Sie Listen und Tabellen.",
        ) from exc
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        if "Heap exhausted" in err:
            raise RenderError(
                f"{what} brauchte mehr Arbeitsspeicher als erlaubt ({limits.PANDOC_HEAP}B) und "
                "wurde abgebrochen.",
                hint="Das Dokument ist zu groß; teilen Sie es auf oder vereinfachen Sie große "
                "Tabellen.",
            )
        raise RenderError(
            f"{what} ist fehlgeschlagen: {err[:800]}",
            hint="Prüfen Sie die genannte Stelle im Entwurf.",
        )
    return proc.stdout


@functools.cache
def api_version() -> list[int]:
    """The pandoc-types version of this pandoc's JSON, for ASTs built from scratch."""
    return list(markdown_to_ast("x")["pandoc-api-version"])


def markdown_to_ast(text: str, *, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    out = run(["-f", MARKDOWN, "-t", "json"], text, timeout=timeout, what="pandoc (Markdown lesen)")
    return json.loads(out)


def ast_to(
    fmt: str,
    ast: dict[str, Any],
    extra: list[str] | None = None,
    *,
    output: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """Write a pandoc AST in `fmt`; with `output`, pandoc writes the file itself."""
    return json_to(fmt, ast_json(ast), extra, output=output, timeout=timeout)


def ast_json(ast: dict[str, Any]) -> bytes:
    """A pandoc AST as the JSON pandoc reads."""
    return json.dumps(ast, ensure_ascii=False).encode("utf-8")


def json_to(
    fmt: str,
    data: bytes,
    extra: list[str] | None = None,
    *,
    output: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """`ast_to` of an AST already serialised by `ast_json` (e.g. kept from an earlier run)."""
    args = ["-f", "json", "-t", fmt, *(extra or [])]
    if output is not None:
        args += ["-o", str(output)]
    return run(args, data, timeout=timeout, what=f"pandoc ({fmt} schreiben)")
