"""The YAML comment form: plain YAML only, validated against schemas/rueckmeldung.schema.json."""

from __future__ import annotations

import re

from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.model import (
    RawComment,
    RawSubmission,
    Reader,
    normalise_kind,
    validate,
)


def read_yaml(data: bytes) -> RawSubmission:
    safety.check_size(data, safety.MAX_YAML)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise safety.Rejected(
            "Die YAML-Datei ist nicht in UTF-8 gespeichert.",
            hint="Im Editor mit Kodierung UTF-8 speichern.",
        ) from exc
    safety.check_yaml_events(text)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        doc = YAML(typ="safe").load(text)
    except YAMLError as exc:  # e.g. a key written twice
        mark = getattr(exc, "problem_mark", None)
        where = f" (Zeile {mark.line + 1})" if mark is not None else ""
        raise safety.Rejected(
            f"Die YAML-Datei ist fehlerhaft{where}: "
            f"{getattr(exc, 'problem', '') or 'ungültiges YAML'}",
            hint="Jeder Eintrag darf je Anmerkung nur einmal vorkommen; "
            "prüfen Sie Einrückung und Anführungszeichen.",
        ) from exc
    problems = validate(doc, "rueckmeldung.schema.json")
    if problems:
        raise safety.Rejected(
            "Die YAML-Rückmeldung entspricht nicht dem Formular: " + "; ".join(problems[:8]),
            hint="Vergleichen Sie die Datei mit dem verschickten Formular "
            "(Einträge „rn“, „art“, „anmerkung“ …).",
        )
    comments, skipped = [], []
    for i, entry in enumerate(doc.get("anmerkungen") or [], start=1):
        text_ = _s(entry.get("anmerkung"))
        new = _s(entry.get("aenderungsvorschlag"))
        if not text_ and not new:
            skipped.append(f"Anmerkung {i}: leer, übersprungen")
            continue
        quote = _s(entry.get("zitat"))
        comments.append(
            RawComment(
                text=text_,
                kind=normalise_kind(entry.get("art")),
                quote=quote,
                rn=entry.get("rn"),
                section=_s(entry.get("abschnitt")),
                proposal=(quote, new) if new else None,
                rationale=_s(entry.get("begruendung")),
                origin=f"YAML, Anmerkung {i}",
            )
        )
    contact = doc.get("kontakt") or {}
    return RawSubmission(
        "yaml",
        comments,
        document=_s(doc.get("dokument")),
        round=_s(doc.get("runde")),
        org=_s(doc.get("organisation")),
        version=_s(doc.get("version")),
        consent=_s(doc.get("einwilligung")),
        contact={
            k: _s(contact.get(src))
            for k, src in (("name", "name"), ("email", "email"), ("phone", "telefon"))
            if _s(contact.get(src))
        },
        skipped=skipped,
    )


def _s(value: object) -> str:
    return "" if value is None else str(value).strip()


READER = Reader(
    name="yaml",
    label="YAML",
    file_extensions=(".yaml", ".yml"),
    content_types=("application/yaml", "application/x-yaml", "text/yaml"),
    read=read_yaml,
    sniff=re.compile(r"(?m)^format:\s*[\"']?lafast-rueckmeldung"),
)
