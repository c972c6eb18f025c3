"""Finishing touches on WeasyPrint's PDF with pikepdf, for PDF/UA-1.

PDF/UA-1 (ISO 14289-1, 7.18.5) wants every link annotation to carry an alternate description in
its /Contents key; WeasyPrint 70 writes none (veraPDF rule 7.18.5-1). We add a German one: the
target section's title for internal links, the address for web links.
"""

from __future__ import annotations

import io
from pathlib import Path


def finish(pdf: bytes, target: Path, *, link_texts: dict[str, str]) -> None:
    import pikepdf

    from lafast_docs.store import atomic_write

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for annot in page.get("/Annots", []):
                if annot.get("/Subtype") != "/Link" or "/Contents" in annot:
                    continue
                annot.Contents = pikepdf.String(_describe(annot, link_texts))
        buf = io.BytesIO()
        doc.save(buf, deterministic_id=True)
    atomic_write(target, buf.getvalue())


def _describe(annot, link_texts: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    action = annot.get("/A")
    if action is not None and "/URI" in action:
        uri = bytes(action.URI).decode("utf-8", "replace")
        return f"E-Mail an {uri[7:]}" if uri.startswith("mailto:") else f"Link zu {uri}"
    dest = annot.get("/Dest")
    if dest is None and action is not None:
        dest = action.get("/D")
    name = str(dest) if dest is not None and not isinstance(dest, list) else ""
    return link_texts.get(name.lstrip("/"), "Verweis innerhalb des Dokuments")
