"""Finishing touches on WeasyPrint's PDF with pikepdf, for PDF/UA-1 (ISO 14289-1, 7.18.5).

1. Every link annotation gets a German alternate description in /Contents (WeasyPrint 70 writes
   the bare target such as "rn-12"): the section title for internal links, the address for web
   links.
2. For a box nested inside a link (`[**fett**](https://…)`), WeasyPrint writes a second
   annotation whose structure parent is a Span, not a Link (veraPDF rule 7.18.5-1). Such an
   annotation is dropped when a Link ancestor already carries one; without one, its structure
   element becomes the Link.
"""

from __future__ import annotations

import io
from typing import Any

from lafast_docs.render import pdfjoin
from lafast_docs.render.pdffront import Pieces


def finish(pdf: bytes | Pieces, *, link_texts: dict[str, str]) -> bytes:
    """Links fixed; the parts joined first if the PDF came in parts (front matter, text or
    its halves)."""
    import pikepdf

    pieces = pdf if isinstance(pdf, Pieces) else None
    with pikepdf.open(io.BytesIO(pieces.pdfs[-1] if pieces else pdf)) as doc:  # type: ignore[arg-type]
        if pieces:
            pdfjoin.join(doc, pieces.pdfs[:-1], pieces.stand_ins, pieces.outline)
        _fix_links(doc, link_texts)
        buf = io.BytesIO()
        # joined: the text's object streams would be kept as they were, each with its own copy
        # of what the join replaced; new ones are a third smaller
        mode = pikepdf.ObjectStreamMode.generate if pieces else pikepdf.ObjectStreamMode.preserve
        doc.save(buf, deterministic_id=True, object_stream_mode=mode)
    return buf.getvalue()


def _fix_links(doc: Any, link_texts: dict[str, str]) -> None:
    import pikepdf

    tree = doc.Root.get("/StructTreeRoot")
    nums = tree.ParentTree.Nums if tree is not None and "/ParentTree" in tree else []
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    dropped: set[int] = set()
    for page in doc.pages:
        annots = page.obj.get("/Annots")
        if annots is None:
            continue
        kept = pikepdf.Array()
        for annot in annots:
            if annot.get("/Subtype") != "/Link":
                kept.append(annot)
                continue
            key = annot.get("/StructParent")
            element = parents.get(int(key)) if key is not None else None
            if element is not None and element.get("/S") != "/Link":
                if _has_link_ancestor(element):
                    _remove_objr(element, annot)
                    dropped.add(int(key))
                    continue
                element.S = pikepdf.Name.Link
            annot.Contents = pikepdf.String(_describe(annot, link_texts))
            kept.append(annot)
        page.obj.Annots = kept
    if dropped:
        tree.ParentTree.Nums = pikepdf.Array(
            [
                item
                for i in range(0, len(nums), 2)
                if int(nums[i]) not in dropped
                for item in (nums[i], nums[i + 1])
            ]
        )


def _has_link_ancestor(element: Any) -> bool:
    node = element.get("/P")
    while node is not None and "/S" in node:
        if node.get("/S") == "/Link":
            return True
        node = node.get("/P")
    return False


def _remove_objr(element: Any, annot: Any) -> None:
    import pikepdf

    element.K = pikepdf.Array(
        [
            k
            for k in pdfjoin.as_array(element.K)
            if not (
                isinstance(k, pikepdf.Dictionary)
                and k.get("/Type") == "/OBJR"
                and k.Obj.objgen == annot.objgen
            )
        ]
    )


def _describe(annot: Any, link_texts: dict[str, str]) -> str:
    action = annot.get("/A")
    if action is not None and "/URI" in action:
        uri = bytes(action.URI).decode("utf-8", "replace")
        if uri in link_texts:  # the source of a key figure or norm (render/figures.py)
            return link_texts[uri]
        return f"E-Mail an {uri[7:]}" if uri.startswith("mailto:") else f"Verweis auf {uri}"
    dest = annot.get("/Dest")
    if dest is None and action is not None:
        dest = action.get("/D")
    name = str(dest).lstrip("/") if dest is not None and not isinstance(dest, list) else ""
    return link_texts.get(name, "Verweis innerhalb des Dokuments")
