"""E-mail (.eml): a container. The sender becomes the contact, every attachment that another
reader accepts is one submission; the importer keeps the mail itself beside them in the
round's `originale/`."""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from collections.abc import Sequence

from lafast_docs.consultation.model import Envelope, Reader, accepted
from lafast_docs.errors import Rejected

MAX_ATTACHMENTS = 20


def unpack_eml(data: bytes, readers: Sequence[Reader]) -> Envelope:
    """The attachments `readers` can read (the registry says which), with sender and subject."""
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; anything raised means garbage
        raise Rejected("Die E-Mail-Datei lässt sich nicht lesen.") from exc
    sender_name, sender = email.utils.parseaddr(str(msg.get("From", "")))
    subject = str(msg.get("Subject", ""))[:120]
    contact = {k: v for k, v in (("name", sender_name[:200]), ("email", sender[:200])) if v}
    parts = [p for p in msg.iter_attachments()][: MAX_ATTACHMENTS + 1]
    if len(parts) > MAX_ATTACHMENTS:
        raise Rejected(f"Die E-Mail hat mehr als {MAX_ATTACHMENTS} Anhänge.")
    extensions = tuple(ext for r in readers for ext in r.file_extensions)
    wanted = [p for p in parts if (p.get_filename() or "").lower().endswith(extensions)]
    if not wanted:
        raise Rejected(
            "Die E-Mail enthält keinen Anhang, den lafast lesen kann.",
            hint=f"Erwartet werden {accepted(readers, 'oder')} als Anhang. "
            "Text im Mailtext selbst bitte als Anmerkung abtippen oder um "
            "das Formular bitten.",
        )
    attachments = []
    for part in wanted:
        payload = part.get_payload(decode=True)
        attachments.append(
            (part.get_filename() or "anhang", payload if isinstance(payload, bytes) else b"")
        )
    via = f"E-Mail von {sender or sender_name or 'unbekannt'}: „{subject}“"
    return Envelope(via, contact, attachments, tag="mail")


READER = Reader(
    name="eml",
    label="E-Mail",
    file_extensions=(".eml",),
    content_types=("message/rfc822",),
    unpack=unpack_eml,
    sniff=re.compile(r"(?mi)^(from|received|mime-version|subject):"),
)
