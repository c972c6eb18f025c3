"""Mailboxes exported from a mail program: an mbox file (Thunderbird „Exportieren“, many
webmailers) or a Maildir folder (cur/, new/). Each mail in it is imported on its own, as an
.eml, and only once (by its Message-ID: the importer's business)."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from pathlib import Path

from lafast_docs.consultation.intake import safety
from lafast_docs.consultation.model import Reader
from lafast_docs.errors import Rejected

MAX_MESSAGES = 5000
MAX_MAILBOX = 500 * 1024 * 1024  # the whole file; each mail also keeps the per-file limit


def _messages(box: mailbox.mbox, label: str) -> Iterator[tuple[str, bytes]]:
    try:
        keys = list(box.iterkeys())
        if len(keys) > MAX_MESSAGES:
            raise Rejected(
                f"Das Postfach enthält mehr als {MAX_MESSAGES} E-Mails.",
                hint="Exportieren Sie nur den Ordner mit den Rückmeldungen.",
            )
        if not keys:
            raise Rejected(
                "Im Postfach ist keine E-Mail.",
                hint="Erwartet wird ein mbox-Export (beginnt mit „From “) oder ein "
                "Maildir-Ordner (mit cur/ und new/).",
            )
        for n, key in enumerate(keys, 1):
            yield f"{label} #{n}.eml", box.get_bytes(key)
    except (OSError, mailbox.Error, UnicodeError) as exc:
        raise Rejected(f"Das Postfach lässt sich nicht lesen: {exc.__class__.__name__}.") from exc
    finally:
        box.close()


def split_mbox(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.stat().st_size > MAX_MAILBOX:
        raise Rejected(
            f"Das Postfach ist zu groß (über {MAX_MAILBOX // 1024 // 1024} MB).",
            hint="Exportieren Sie nur den Ordner mit den Rückmeldungen.",
        )
    yield from _messages(mailbox.mbox(path, create=False), path.name)


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def split_maildir(path: Path) -> Iterator[tuple[str, bytes]]:
    """The mails in new/ and cur/, read as plain files: a symbolic link (which could point at
    any file of this machine) or anything but a regular file is skipped, never followed."""
    try:
        found = sorted(
            (f for sub in ("new", "cur") for f in (path / sub).iterdir()), key=lambda f: f.name
        )
        mails = [f for f in found if not f.is_symlink() and f.is_file()]
    except OSError as exc:
        raise Rejected(f"Das Postfach lässt sich nicht lesen: {exc.strerror}.") from exc
    if len(mails) > MAX_MESSAGES:
        raise Rejected(
            f"Das Postfach enthält mehr als {MAX_MESSAGES} E-Mails.",
            hint="Exportieren Sie nur den Ordner mit den Rückmeldungen.",
        )
    if not mails:
        raise Rejected("Im Postfach ist keine E-Mail.")
    for n, f in enumerate(mails, 1):
        try:
            with f.open("rb") as fh:
                data = fh.read(safety.MAX_FILE + 1)  # more is refused by size anyway
        except OSError as exc:
            raise Rejected(f"Eine E-Mail im Postfach ist nicht lesbar: {exc.strerror}.") from exc
        yield f"{path.name} #{n}.eml", data


MBOX = Reader(
    name="mbox",
    label="Postfach (mbox)",
    file_extensions=(".mbox",),
    content_types=("application/mbox",),
    split=split_mbox,
    sniff=re.compile(r"\AFrom \S+"),
)
