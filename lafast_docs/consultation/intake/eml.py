"""E-mail (.eml): the sender becomes the contact, every DOCX/XLSX/CSV/YAML attachment is one
submission. The mail itself is kept beside them in the round's `originale/`."""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
from typing import Any

from lafast_docs.consultation.intake import safety
from lafast_docs.storage.files import atomic_write
from lafast_docs.workspace import Workspace

ATTACHMENT_TYPES = (".docx", ".xlsx", ".csv", ".yaml", ".yml")
MAX_ATTACHMENTS = 20


def import_eml(ws: Workspace, data: bytes, name: str, **opts: Any) -> list[Any]:
    from lafast_docs.consultation.intake.importer import ImportResult, import_bytes

    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; anything raised means garbage
        raise safety.Rejected("Die E-Mail-Datei lässt sich nicht lesen.") from exc
    sender_name, sender = email.utils.parseaddr(str(msg.get("From", "")))
    subject = str(msg.get("Subject", ""))[:120]
    contact = {k: v for k, v in (("name", sender_name[:200]), ("email", sender[:200])) if v}
    parts = [p for p in msg.iter_attachments()][: MAX_ATTACHMENTS + 1]
    if len(parts) > MAX_ATTACHMENTS:
        raise safety.Rejected(f"Die E-Mail hat mehr als {MAX_ATTACHMENTS} Anhänge.")
    wanted = [p for p in parts if (p.get_filename() or "").lower().endswith(ATTACHMENT_TYPES)]
    if not wanted:
        raise safety.Rejected(
            "Die E-Mail enthält keinen Anhang, den lafast lesen kann.",
            hint="Erwartet werden .docx, .xlsx, .csv oder .yaml als Anhang. "
            "Text im Mailtext selbst bitte als Anmerkung abtippen oder um "
            "das Formular bitten.",
        )
    via = f"E-Mail von {sender or sender_name or 'unbekannt'}: „{subject}“"
    results: list[ImportResult] = []
    for part in wanted:
        payload = part.get_payload(decode=True) or b""
        att_name = part.get_filename() or "anhang"
        results.extend(import_bytes(ws, payload, att_name, via=via, contact=contact, **opts))
    stored = [r for r in results if r.status == "importiert" and r.path is not None]
    if stored:  # keep the mail itself, byte for byte, beside the first submission
        first = stored[0].path
        assert first is not None
        digest = hashlib.sha256(data).hexdigest()[:12]
        mail = first.parent / "originale" / f"{first.stem}-mail-{digest}.eml"
        atomic_write(mail, data)
        ws.store.commit([mail], f"E-Mail zu {first.stem} aufbewahrt", known_changed=True)
    return results
