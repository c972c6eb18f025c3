"""One e-mail to one organisation: German text from the workspace's templates
(`templates/mail/<kind>.txt.j2`, first line `Betreff: …`), the greeting, and the MIME message.

A draft carries `X-Unsent: 1`, so that Outlook and Thunderbird open the .eml as a message to
send, not as one received. Each message has its own Message-ID, recorded in the round: a reply
names it in `In-Reply-To`, which is how `comments import` knows whom an answer is from.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from lafast_docs.errors import MailTemplateBroken
from lafast_docs.external import resources
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.mailconfig import MailSettings

KINDS = {
    "einladung": "Einladung",
    "erinnerung": "Erinnerung",
    "antwort": "Antwortschreiben",
    "veroeffentlichung": "Veröffentlichungshinweis",
}
SUBJECT = "Betreff:"
MIME_TYPES = {
    ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pdf": ("application", "pdf"),
    ".yaml": ("text", "plain"),
    ".csv": ("text", "csv"),
    ".html": ("text", "html"),
}
NO_NAME = "Sehr geehrte Damen und Herren,"


def salutation(contact: str) -> str:
    """The greeting for a contact as written in the address book or the form.

    „Frau Dr. Katrin Weber, Fachreferentin“ -> „Sehr geehrte Frau Dr. Weber,“; a name without
    „Frau“/„Herr“ is greeted without guessing a gender („Guten Tag Katrin Weber,“); anything
    that is not a person's name (a group such as „Sprecher*innenkreis“) gets the general form."""
    name = " ".join(contact.split(",")[0].split())
    if len(name) > 80 or any(not (ch.isalpha() or ch in " .-'") for ch in name):
        return NO_NAME
    words = name.split()
    form = {"frau": "Sehr geehrte Frau", "herr": "Sehr geehrter Herr"}.get(
        words[0].lower() if words else ""
    )
    rest = words[1:] if form else words
    titles = [w for w in rest if w in ("Dr.", "Prof.")]
    names = [w for w in rest if w not in titles]
    if not names or not all(w[0].isupper() for w in names):
        return NO_NAME
    if form:
        return f"{form} {' '.join([*titles, names[-1]])},"
    if len(names) < 2:
        return NO_NAME
    return f"Guten Tag {' '.join([*titles, *names])},"


def render(ws: Workspace, kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of a message of `kind` (a workspace's own template wins)."""
    name = f"{kind}.txt.j2"
    text = resources.render_text(ws, "mail", name, **context)
    head, _, body = text.lstrip("\ufeff").partition("\n")
    if not head.startswith(SUBJECT) or not head[len(SUBJECT) :].strip():
        raise MailTemplateBroken(
            f"Die E-Mail-Vorlage „{name}“ beginnt nicht mit „{SUBJECT} …“.",
            path=resources.find_template(ws, "mail", name),
            line=1,
            hint="Die erste Zeile ist der Betreff, z. B. „Betreff: Einladung zur Beteiligung“, "
            "dann eine Leerzeile, dann der Text.",
        )
    subject = " ".join(head[len(SUBJECT) :].split())  # one line: no header injection
    return subject, body.strip("\n") + "\n"


def new_message_id(settings: MailSettings) -> str:
    domain = settings.sender.rpartition("@")[2] or "lafast.invalid"
    return email.utils.make_msgid("lafast", domain=domain)


def build(
    settings: MailSettings,
    *,
    to: tuple[str, str],
    subject: str,
    body: str,
    attachments: list[Path],
    message_id: str,
    draft: bool,
    headers: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> EmailMessage:
    """The message; `to` is (display name, address). A draft has no Date and `X-Unsent: 1`."""
    msg = EmailMessage()
    # Address objects, not formataddr: refolding a formatted name with „(LAG FSA/MSA)“ and an
    # umlaut leaves the brackets unquoted, and mail programs read them as a comment
    if settings.sender:
        msg["From"] = Address(settings.sender_name, addr_spec=settings.sender)
    msg["To"] = Address(to[0], addr_spec=to[1])
    if settings.reply_to:
        msg["Reply-To"] = settings.reply_to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    if draft:
        msg["X-Unsent"] = "1"
    else:
        msg["Date"] = email.utils.format_datetime(now or dt.datetime.now().astimezone())
    msg["Content-Language"] = "de-DE"
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body, cte="quoted-printable")
    for path in attachments:
        maintype, subtype = MIME_TYPES.get(path.suffix.lower(), ("application", "octet-stream"))
        msg.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return msg
