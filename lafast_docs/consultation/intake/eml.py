"""E-mail (.eml): a container. The sender becomes the contact, every attachment that another
reader accepts is one submission; the importer keeps the mail itself beside them in the
round's `originale/`. A mail forwarded as an attachment (.eml, .msg) is opened once, never
deeper; its files count as sent by the outer mail's sender (whose address is checked).

`envelope` is shared with the other mail formats (msg.py): whatever the format, the same
limits, the same choice of attachments, the same German refusals.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import email.utils
import re
from collections.abc import Sequence

from lafast_docs.consultation.model import Envelope, Reader, accepted
from lafast_docs.errors import Rejected

MAX_ATTACHMENTS = 20
FORWARDED = "weitergeleitet.eml"  # the name given to a message/rfc822 part without one


def envelope(
    *,
    sender_name: str,
    sender: str,
    subject: str,
    files: list[tuple[str, bytes]],
    readers: Sequence[Reader],
    tag: str,
    message_id: str = "",
    refs: tuple[str, ...] = (),
    date: str = "",
    body: str = "",
) -> Envelope:
    """The files `readers` can read (the registry says which), with who sent them."""
    subject = " ".join(subject.split())[:120]
    contact = {k: v for k, v in (("name", sender_name[:200]), ("email", sender[:200])) if v}
    if len(files) > MAX_ATTACHMENTS:
        raise Rejected(f"Die E-Mail hat mehr als {MAX_ATTACHMENTS} Anhänge.")
    extensions = tuple(ext for r in readers for ext in r.file_extensions)
    wanted = [(name or "anhang", data) for name, data in files if name.lower().endswith(extensions)]
    via = f"E-Mail von {sender or sender_name or 'unbekannt'}: „{subject}“"
    return Envelope(
        via,
        contact,
        wanted,
        tag=tag,
        message_id=message_id.strip()[:300],
        refs=tuple(r[:300] for r in refs[:50]),
        date=date[:60],
        body=reply_text(body),
    )


def no_attachment(readers: Sequence[Reader]) -> Rejected:
    """The refusal of a mail without a file lafast reads (and without --mailtext)."""
    return Rejected(
        "Die E-Mail enthält keinen Anhang, den lafast lesen kann.",
        hint=f"Erwartet werden {accepted([r for r in readers if r.unpack is None], 'oder')} "
        "als Anhang. Steht die Rückmeldung im Mailtext selbst: erneut einlesen mit "
        "--mailtext (dann wird der Text eine grundsätzliche Anmerkung).",
    )


# where the quoted earlier mail begins in a reply (German and English mail programs)
QUOTE_START = re.compile(
    r"(?m)^(>|-{2,}\s*(Original Message|Ursprüngliche Nachricht|Weitergeleitete Nachricht)"
    r"|_{10,}|Am .{5,120} schrieb .{1,200}:\s*$|On .{5,120} wrote:\s*$|Von: .+$|From: .+$)"
)
MAX_BODY = 20_000


def reply_text(body: str) -> str:
    """The writer's own words: without the quoted mail below and without the signature."""
    text = body.replace("\r\n", "\n")[: MAX_BODY * 4]
    m = QUOTE_START.search(text)
    if m:
        text = text[: m.start()]
    text = text.split("\n-- \n", 1)[0]
    return text.strip()[:MAX_BODY]


def _attachments(msg: email.message.Message, limit: int) -> list[email.message.Message]:
    """The files of a mail, also inside a signed (multipart/signed) or nested multipart; a
    forwarded mail (message/rfc822) as one file. At most `limit`, however deep the tree."""
    found: list[email.message.Message] = []
    stack = [msg]
    while stack and len(found) < limit:
        part = stack.pop(0)
        if part is not msg and part.get_content_type() == "message/rfc822":
            found.append(part)
        elif part.is_multipart():
            payload = part.get_payload()
            stack[:0] = [p for p in payload if isinstance(p, email.message.Message)][:100]
        elif part.get_filename():
            found.append(part)
    return found


def unpack_eml(data: bytes, readers: Sequence[Reader]) -> Envelope:
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        sender_name, sender = email.utils.parseaddr(str(msg.get("From", "")))
        subject = str(msg.get("Subject", ""))
        files = []
        for part in _attachments(msg, MAX_ATTACHMENTS + 1):
            if part.get_content_type() == "message/rfc822":
                inner = part.get_payload()
                first = inner[0] if isinstance(inner, list) and inner else None
                raw = first.as_bytes() if isinstance(first, email.message.Message) else b""
                files.append((part.get_filename() or FORWARDED, raw))
                continue
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            files.append((part.get_filename() or "", data))
        ids = str(msg.get("Message-ID", ""))
        refs = [str(msg.get("In-Reply-To", "")), *reversed(str(msg.get("References", "")).split())]
        date = str(msg.get("Date", ""))
        text = msg.get_body(("plain",))
        body = text.get_content() if text is not None else ""
    except Rejected:
        raise
    except Exception as exc:  # the parser is lenient; anything raised means garbage
        raise Rejected("Die E-Mail-Datei lässt sich nicht lesen.") from exc
    return envelope(
        sender_name=sender_name,
        sender=sender,
        subject=subject,
        files=files,
        readers=readers,
        tag="mail",
        message_id=ids,
        refs=tuple(r.strip() for r in refs if r.strip()),
        date=date,
        body=body if isinstance(body, str) else "",
    )


READER = Reader(
    name="eml",
    label="E-Mail",
    file_extensions=(".eml",),
    content_types=("message/rfc822",),
    unpack=unpack_eml,
    sniff=re.compile(r"(?mi)^(from|received|mime-version|subject):"),
)
