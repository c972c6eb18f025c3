"""Mail benchmark, measured in one process (issue 17).

    python3 bench/mail.py [--orgs 40]

A round with `--orgs` invited Träger (the sample Fachstandard, forms made by `consult open`):
1. preparing one invitation draft (.eml, three forms attached) per organisation, against
   making the forms themselves (open_round): ratio drafts ÷ forms. Target <= 0.2.
2. sending them to an SMTP server on 127.0.0.1 (aiosmtpd, no TLS), one commit per accepted
   message: ratio send ÷ drafts.
3. reading the answers back: one mbox with a reply per organisation (each a filled YAML form),
   against the same mails as separate .eml files: ratio mbox ÷ files. Target <= 1.2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import mailbox
import os
import shutil
import socket
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lafast_docs.consultation.intake.importer import import_files  # noqa: E402
from lafast_docs.consultation.mail.letters import mail_round  # noqa: E402
from lafast_docs.consultation.rounds import open_round  # noqa: E402
from lafast_docs.storage.git import Store  # noqa: E402
from lafast_docs.workspace.config import CONFIG_NAME, load_config  # noqa: E402
from lafast_docs.workspace.create import init_workspace  # noqa: E402

SLUG = "mindeststandards-fsa"


def workspace(root: Path, orgs: int, port: int):  # type: ignore[no-untyped-def]
    ws = init_workspace(root)
    config = (REPO / "demo" / CONFIG_NAME).read_text("utf-8")
    book = "".join(
        f'  - id: traeger-{i:03d}\n    name: "Träger {i} e. V."\n    type: traeger\n'
        f'    email: "post@traeger-{i:03d}.example.org"\n    contact: "Frau Erika Muster"\n'
        for i in range(orgs)
    )
    config = config.replace("address_book:\n", "address_book:\n" + book, 1)
    config += (
        '\nmail:\n  from: "fachstelle@lafast.example.org"\n  smtp:\n    host: "127.0.0.1"\n'
        f"    port: {port}\n    security: none\n"
    )
    (root / CONFIG_NAME).write_text(config, "utf-8")
    ws.config = load_config(root / CONFIG_NAME)
    shutil.copytree(REPO / "drafts" / SLUG, ws.drafts_dir / SLUG)
    Store(root).commit([root], "Benchmark")
    return ws


def reply(rnd, org: str) -> bytes:  # type: ignore[no-untyped-def]
    form = (rnd.folder / "formulare" / org / f"{SLUG}-{rnd.id}-{org}.yaml").read_text("utf-8")
    form = form.replace('anmerkung: ""', 'anmerkung: "Bitte klarer fassen."', 1)
    msg = EmailMessage()
    msg["From"] = f"Erika Muster <post@{org}.example.org>"
    msg["To"] = "fachstelle@lafast.example.org"
    msg["Subject"] = "AW: Beteiligung"
    msg["Message-ID"] = f"<antwort-{org}@{org}.example.org>"
    msg.set_content("Anbei unsere Rückmeldung.\n")
    msg.add_attachment(form.encode(), maintype="text", subtype="plain", filename="antwort.yaml")
    return bytes(msg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=40)
    args = ap.parse_args()
    for key in ("GIT_AUTHOR", "GIT_COMMITTER"):
        os.environ.setdefault(f"{key}_NAME", "bench")
        os.environ.setdefault(f"{key}_EMAIL", "bench@lafast.invalid")
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = Controller(Sink(), hostname="127.0.0.1", port=port)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ws = workspace(Path(tmp) / "ws", args.orgs, port)
            orgs = [o.id for o in ws.config.orgs if o.id.startswith("traeger-")]
            t = time.perf_counter()
            rnd = open_round(ws, SLUG, deadline=dt.date(2099, 1, 1), invite=orgs)
            forms = time.perf_counter() - t
            t = time.perf_counter()
            mail_round(ws, SLUG, "einladung")
            drafts = time.perf_counter() - t
            t = time.perf_counter()
            sent = mail_round(ws, SLUG, "einladung", send=True)[1]
            send = time.perf_counter() - t
            assert all(o.state == "gesendet" for o in sent)
            print(
                f"{len(orgs)} organisations: forms {forms:.2f} s, drafts {drafts:.2f} s "
                f"(ratio {drafts / forms:.2f}), sent {send:.2f} s (÷ drafts {send / drafts:.2f})"
            )

            mails = [reply(rnd, org) for org in orgs]
            box_ws = Path(tmp) / "ws-box"
            shutil.copytree(ws.root, box_ws, symlinks=True)
            files = Path(tmp) / "eingang"
            files.mkdir()
            paths = []
            for org, data in zip(orgs, mails, strict=True):
                paths.append(files / f"{org}.eml")
                paths[-1].write_bytes(data)
            box = mailbox.mbox(Path(tmp) / "antworten.mbox")
            for data in mails:
                box.add(data)
            box.flush()
            t = time.perf_counter()
            assert all(r.status == "importiert" for r in import_files(ws, paths))
            one_by_one = time.perf_counter() - t
            other = type(ws)(box_ws, load_config(box_ws / CONFIG_NAME))
            t = time.perf_counter()
            res = import_files(other, [Path(tmp) / "antworten.mbox"])
            from_box = time.perf_counter() - t
            assert all(r.status == "importiert" for r in res), res[0]
            print(
                f"answers: {len(paths)} .eml files {one_by_one:.2f} s, one mbox {from_box:.2f} s "
                f"(ratio {from_box / one_by_one:.2f})"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
