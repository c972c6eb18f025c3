"""Built-in data (templates, sample drafts) and template lookup with workspace overrides.

Lookup order for a template file NAME of document type T:
  <workspace>/templates/T/NAME, <workspace>/templates/common/NAME,
  <built-in>/templates/T/NAME, <built-in>/templates/common/NAME.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from lafast_docs.errors import TemplateError

if TYPE_CHECKING:  # pragma: no cover
    import jinja2


class TemplateSource(Protocol):
    """What template lookup needs of a workspace (`workspace.Workspace`): its templates folder.

    A protocol, not an import: external/ sits below workspace/ and must not import it."""

    @property
    def templates_dir(self) -> Path: ...


@functools.cache
def data_dir() -> Path:
    """`lafast_docs/_data` in an installed wheel, else the source checkout's root."""
    packaged = Path(__file__).resolve().parent.parent / "_data"
    if (packaged / "templates").is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent


def builtin_templates() -> Path:
    return data_dir() / "templates"


def sample_drafts() -> Path:
    return data_dir() / "drafts"


def template_dirs(ws: TemplateSource | None, doc_type: str) -> list[Path]:
    roots = ([ws.templates_dir] if ws is not None else []) + [builtin_templates()]
    return [d for root in roots for d in (root / doc_type, root / "common") if d.is_dir()]


def find_template(ws: TemplateSource | None, doc_type: str, name: str) -> Path:
    for d in template_dirs(ws, doc_type):
        if (d / name).is_file():
            return d / name
    raise TemplateError(
        f"Die Vorlage „{name}“ für {doc_type} fehlt.",
        hint="Prüfen Sie den Ordner templates/ im Arbeitsbereich oder installieren Sie lafast neu.",
    )


def _autoescape(name: str | None) -> bool:
    return name is None or not name.endswith((".md.j2", ".txt.j2"))


def jinja_env(ws: TemplateSource | None, doc_type: str) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(ws, doc_type)]),
        autoescape=_autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["yaml_str"] = lambda s: json.dumps(str(s), ensure_ascii=False)
    env.filters["css_str"] = css_string
    return env


def css_string(value: object) -> Any:
    """A quoted CSS string, safe inside a <style> element (no quote, backslash or `<` left)."""
    from markupsafe import Markup

    out = []
    for ch in str(value):
        if ch in '"\\<>&' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')


def render_text(
    ws: TemplateSource | None,
    doc_type: str,
    name: str,
    *,
    env: jinja2.Environment | None = None,
    **context: Any,
) -> str:
    """Render template `name`; `env` reuses a Jinja environment (its compiled templates)."""
    import jinja2

    try:
        return (env or jinja_env(ws, doc_type)).get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"Die Vorlage „{name}“ für {doc_type} fehlt.") from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(
            f"Die Vorlage „{name}“ ist fehlerhaft: {exc}",
            hint="Prüfen Sie die eigene Vorlage unter templates/ im Arbeitsbereich.",
        ) from exc


def templates_digest(ws: TemplateSource | None, doc_type: str) -> str:
    """Hash of every template file that can affect output of `doc_type` (cache key part)."""
    h = hashlib.sha256()
    for d in template_dirs(ws, doc_type):
        for f in sorted(p for p in d.rglob("*") if p.is_file()):
            h.update(str(f.relative_to(d)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()
