"""Outlook messages (.msg), as Outlook saves a mail dragged out of it: a container like an
.eml (eml.py's `envelope`), read with extract-msg (imported here only: it pulls in olefile,
RTF and HTML tools, ~0.6 s). Sender, subject, date, Message-ID, In-Reply-To and References
come from the message's properties and its saved transport headers. A signed mail
(IPM.Note.SMIME.MultipartSigned) is opened by extract-msg itself: its files are the signed
MIME message's; the signature is not judged here (the sender check is the address book's)."""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from typing import Any

from lafast_docs.consultation.intake.eml import MAX_ATTACHMENTS, envelope
from lafast_docs.consultation.model import Envelope, Reader
from lafast_docs.errors import Rejected

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File, as .msg (and old .doc) are


def unpack_msg(data: bytes, readers: Sequence[Reader]) -> Envelope:
    import extract_msg
    from extract_msg.enums import AttachmentType

    if not data.startswith(OLE_MAGIC):
        raise Rejected("Das ist keine Outlook-Nachricht (.msg).")
    try:
        msg: Any = extract_msg.openMsg(data, delayAttachments=False)
    except Exception as exc:  # olefile and extract-msg raise many kinds on broken input
        raise Rejected(
            "Die Outlook-Nachricht (.msg) lässt sich nicht lesen.",
            hint="Speichern Sie die E-Mail in Outlook noch einmal (Datei → Speichern unter) "
            "oder leiten Sie sie weiter und lesen Sie die Anhänge einzeln ein.",
        ) from exc
    try:
        if getattr(msg, "classType", "IPM.Note").split(".")[:2] != ["IPM", "Note"]:
            raise Rejected(
                "Die Outlook-Datei ist keine E-Mail (sondern z. B. ein Termin oder Kontakt)."
            )
        sender_name, sender = email.utils.parseaddr(str(msg.sender or ""))
        files = []
        for att in list(msg.attachments)[: MAX_ATTACHMENTS + 1]:
            name = str(att.longFilename or att.shortFilename or "")
            if getattr(att, "type", None) == AttachmentType.MSG:  # a forwarded Outlook item
                inner = att.data
                export = getattr(inner, "exportBytes", None)
                files.append((name or "weitergeleitet.msg", export() if export else b""))
            elif isinstance(att.data, bytes):
                files.append((name, att.data))
        header = msg.header
        refs = [str(msg.inReplyTo or "")]
        if header is not None:
            refs += [str(header.get("In-Reply-To", ""))]
            refs += reversed(str(header.get("References", "")).split())
        date = msg.date
        result = envelope(
            sender_name=sender_name,
            sender=sender,
            subject=str(msg.subject or ""),
            files=files,
            readers=readers,
            tag="outlook",
            message_id=str(msg.messageId or ""),
            refs=tuple(dict.fromkeys(r.strip() for r in refs if r and r.strip())),
            date=email.utils.format_datetime(date) if date is not None else "",
            body=str(msg.body or ""),
        )
    except Rejected:
        raise
    except Exception as exc:
        raise Rejected("Die Outlook-Nachricht (.msg) lässt sich nicht lesen.") from exc
    finally:
        msg.close()
    return result


READER = Reader(
    name="msg",
    label="Outlook-Nachricht",
    file_extensions=(".msg",),
    content_types=("application/vnd.ms-outlook",),
    unpack=unpack_msg,
    magic=OLE_MAGIC,
)
