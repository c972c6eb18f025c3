"""The office's look in every output: palette and typography in `brand.css`, the logo slot
`logo.svg` (or `.png`, `.jpg`). Both are templates: the built-in `templates/common/brand.css`
is overridden by one in the workspace's `templates/common/` (or `templates/<type>/`), and a logo
placed there appears on the PDF's title page, the DOCX title page, every HTML page and the
website. The type's `theme.css` may still set its own accent colour.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from lafast_docs.errors import TemplateError
from lafast_docs.external import resources
from lafast_docs.workspace import Workspace

LOGO_NAMES = ("logo.svg", "logo.png", "logo.jpg", "logo.jpeg")
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}
LOGO_TYPES[".jpeg"] = LOGO_TYPES[".jpg"]
MAX_LOGO_BYTES = 512 * 1024


def brand_css(ws: Workspace | None, doc_type: str) -> Any:
    """The office's palette and fonts as CSS custom properties (`--akzent`, `--schrift` …),
    safe to inline in a <style> element."""
    from markupsafe import Markup

    css = resources.find_template(ws, doc_type, "brand.css").read_text("utf-8")
    return Markup(css.replace("</", "<\\/"))


def logo_path(ws: Workspace | None, doc_type: str) -> Path | None:
    """The logo file of the first template folder that has one (workspace before built-in)."""
    for folder in resources.template_dirs(ws, doc_type):
        for name in LOGO_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def logo(ws: Workspace | None, doc_type: str, org_name: str) -> dict[str, Any] | None:
    """The logo for templates: `file` (a file URI for the PDF, inside a template folder, so
    the PDF's fetcher allows it), `data` (embedded, for HTML pages), `path`, `alt`."""
    path = logo_path(ws, doc_type)
    if path is None:
        return None
    data = path.read_bytes()
    if len(data) > MAX_LOGO_BYTES:
        raise TemplateError(
            f"Das Logo {path} ist {len(data) // 1024} KB groß; erlaubt sind "
            f"{MAX_LOGO_BYTES // 1024} KB.",
            hint="Speichern Sie das Logo kleiner (z. B. als SVG oder PNG mit 600 Pixel Breite).",
        )
    mime = LOGO_TYPES[path.suffix.lower()]
    return {
        "path": path,
        "file": path.as_uri(),
        "data": f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}",
        "alt": f"Logo: {org_name}",
    }
