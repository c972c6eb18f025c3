"""Mail as the field sends it: Outlook .msg (non-ASCII names, a forwarded mail inside, signed),
mbox files and Maildir folders; each mail once; the sender check for every format."""

from __future__ import annotations

import datetime as dt
import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest

from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.rounds import open_round
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.workspace import Workspace

from .conftest import SAMPLE_SN, copy_samples, git
from .intake_files import eml_with, fill_yaml_form, msg_with
from .test_cli import _Main

AWO = ("migration@awo-sachsen.example.org", "Katrin Weber")


@pytest.fixture
def rnd_ws(ws: Workspace) -> Workspace:
    ws = copy_samples(ws, SAMPLE_SN)
    ws.rnd = open_round(  # type: ignore[attr-defined]
        ws,
        SAMPLE_SN,
        deadline=dt.date(2099, 12, 15),
        invite=["awo-sachsen", "drk-sachsen"],
    )
    return ws


def answer(ws: Workspace, org: str, text: str) -> bytes:
    form = ws.rnd.folder / "formulare" / org / f"{SAMPLE_SN}-runde-1-{org}.yaml"  # type: ignore[attr-defined]
    return fill_yaml_form(form, f'  - rn: 2\n    art: inhaltlich\n    anmerkung: "{text}"\n')


def signed(inner: EmailMessage) -> bytes:
    """An S/MIME-signed mail as Thunderbird sends it (the signature is not judged on import)."""
    outer = EmailMessage()
    for key in ("From", "To", "Subject", "Message-ID"):
        if inner[key]:
            outer[key] = inner[key]
            del inner[key]
    outer.set_type("multipart/signed")
    outer.set_param("protocol", "application/pkcs7-signature")
    outer.set_param("micalg", "sha-256")
    outer.attach(inner)
    sig = EmailMessage()
    sig.set_content(
        b"\x30\x82\x01\x00", maintype="application", subtype="pkcs7-signature", filename="smime.p7s"
    )
    outer.attach(sig)
    return bytes(outer)


def test_outlook_msg_with_umlauts_and_a_forwarded_mail_inside(
    rnd_ws: Workspace, tmp_path: Path
) -> None:
    forwarded = msg_with(
        {"Rückmeldung DRK – Übersicht.yaml": answer(rnd_ws, "drk-sachsen", "Weitergeleitet.")},
        sender=("sozialarbeit@drk.example.org", "Jörg Müller"),
    )
    data = msg_with(
        {
            "Stellungnahme AWO – Größenordnung für Änderungen.yaml": answer(
                rnd_ws, "awo-sachsen", "Zu knapp gefasst."
            ),
            "WG Rückmeldung DRK.msg": forwarded,
            "Logo.png": b"\x89PNG\r\n",
        },
        sender=AWO,
        subject="AW: Beteiligung – Rückmeldung der AWO (Größe)",
        message_id="<outlook-1@awo-sachsen.example.org>",
    )
    path = tmp_path / "AW Beteiligung.msg"
    path.write_bytes(data)
    res = import_files(rnd_ws, [path])
    assert [(r.status, r.ids) for r in res] == [
        ("importiert", ["AWO-SVU-001"]),
        ("importiert", ["DRK-SVU-001"]),
    ]
    subs = {s.org: s.data for s in list_submissions(rnd_ws.rnd.folder)}  # type: ignore[attr-defined]
    awo = subs["awo-sachsen"]
    assert awo["source"]["name"] == "Stellungnahme AWO – Größenordnung für Änderungen.yaml"
    assert awo["source"]["via"] == (
        "E-Mail von migration@awo-sachsen.example.org: "
        "„AW: Beteiligung – Rückmeldung der AWO (Größe)“"
    )
    assert awo["contact"]["email"] == AWO[0] and awo["sender"]["pruefung"] == "passt"
    # the forwarded form counts as sent by the AWO: its address is checked against the DRK's
    drk = subs["drk-sachsen"]
    assert drk["sender"] == {
        "email": AWO[0],
        "adressbuch": "sozialarbeit@drk.example.org",
        "pruefung": "abweichend",
    }
    assert any("passt nicht zu DRK" in n for n in res[1].notes)
    # each mail kept beside the submission it brought: the outer and the forwarded one
    kept = [p.suffix for p in (rnd_ws.rnd.folder / "originale").iterdir()]  # type: ignore[attr-defined]
    assert kept.count(".msg") == 2
    assert import_files(rnd_ws, [path])[0].status == "bereits importiert"
    assert git(rnd_ws, "status", "--porcelain") == ""


def test_signed_mails_eml_and_msg(rnd_ws: Workspace, tmp_path: Path) -> None:
    inner = EmailMessage()
    inner["From"] = f"{AWO[1]} <{AWO[0]}>"
    inner["To"] = "fachstelle@lafast.example.org"
    inner["Subject"] = "Rückmeldung (signiert)"
    inner["Message-ID"] = "<signiert-1@awo-sachsen.example.org>"
    inner.set_content("Anbei.\n")
    inner.add_attachment(
        answer(rnd_ws, "awo-sachsen", "Signiert."),
        maintype="application",
        subtype="octet-stream",
        filename="antwort.yaml",
    )
    eml = tmp_path / "signiert.eml"
    eml.write_bytes(signed(inner))
    assert [(r.status, r.ids) for r in import_files(rnd_ws, [eml])] == [
        ("importiert", ["AWO-SVU-001"])
    ]
    # Outlook keeps a signed mail as IPM.Note.SMIME.MultipartSigned with the MIME in smime.p7m
    mime = eml_with(
        {"drk.yaml": answer(rnd_ws, "drk-sachsen", "Auch signiert.")},
        sender="DRK <sozialarbeit@drk.example.org>",
    )
    msg = tmp_path / "signiert.msg"
    msg.write_bytes(
        msg_with(
            {"smime.p7m": mime},
            message_class="IPM.Note.SMIME.MultipartSigned",
            sender=("sozialarbeit@drk.example.org", "DRK"),
        )
    )
    assert [(r.status, r.ids) for r in import_files(rnd_ws, [msg])] == [
        ("importiert", ["DRK-SVU-001"])
    ]


def test_maildir_each_mail_once_links_never_followed(rnd_ws: Workspace, tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "Rueckmeldungen")
    first = eml_with(
        {"awo.yaml": answer(rnd_ws, "awo-sachsen", "Aus dem Maildir.")}, sender=f"AWO <{AWO[0]}>"
    )
    box.add(first)
    box.add(first)  # the same mail twice (copied into two folders, exported together)
    box.add(eml_with({"rechnung.pdf": b"%PDF-1.7"}, sender="spam@example.com"))
    secret = tmp_path / "geheim.txt"  # a file of this machine, linked into the folder
    secret.write_text("From: a@b.example\n\nGEHEIM\n")
    (tmp_path / "Rueckmeldungen" / "cur" / "9999.link:2,S").symlink_to(secret)
    res = import_files(rnd_ws, [tmp_path / "Rueckmeldungen"])
    assert sorted(r.status for r in res) == ["abgelehnt", "bereits importiert", "importiert"]
    assert len(list_submissions(rnd_ws.rnd.folder)) == 1  # type: ignore[attr-defined]
    kept = [p for p in rnd_ws.root.rglob("*") if p.is_file() and ".git" not in p.parts]
    kept += [p for p in (rnd_ws.root / ".git" / "lafast").rglob("*") if p.is_file()]
    assert not any(b"GEHEIM" in p.read_bytes() for p in kept)  # the link was not followed
    # a folder that is no mailbox
    (tmp_path / "leer").mkdir()
    [res] = import_files(rnd_ws, [tmp_path / "leer"])
    assert res.status == "fehler" and "nur als Maildir-Postfach" in res.message


def test_cli_imports_an_mbox(rnd_ws: Workspace, tmp_path: Path) -> None:
    from click.testing import CliRunner

    box = mailbox.mbox(tmp_path / "export.mbox")
    box.add(
        eml_with({"awo.yaml": answer(rnd_ws, "awo-sachsen", "Per mbox.")}, sender=f"AWO <{AWO[0]}>")
    )
    box.flush()
    result = CliRunner().invoke(
        _Main(),
        ["--workspace", str(rnd_ws.root), "comments", "import", str(tmp_path / "export.mbox")],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "OK export.mbox, E-Mail 1: awo.yaml: importiert – 1 Anmerkung(en) von "
        "AWO Landesverband Sachsen e. V.",
        "    Kennungen: AWO-SVU-001",
    ]


def test_mail_text_as_a_general_comment_only_when_asked(rnd_ws: Workspace, tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"] = f"{AWO[1]} <{AWO[0]}>"
    msg["To"] = "fachstelle@lafast.example.org"
    msg["Subject"] = "AW: Beteiligung"
    msg["Message-ID"] = "<text-1@awo-sachsen.example.org>"
    msg.set_content(
        "Guten Tag,\n\nwir tragen den Entwurf mit, bitten aber um eine Übergangsfrist.\n\n"
        "-- \nKatrin Weber\nAWO\n\nAm 01.12.2026 schrieb Fachstelle:\n> Einladung …\n"
    )
    path = tmp_path / "nur-text.eml"
    path.write_bytes(bytes(msg))
    [refused] = import_files(rnd_ws, [path], document=SAMPLE_SN)
    assert refused.status == "abgelehnt" and "--mailtext" in refused.notes[0]
    # the text names nobody: the organisation comes from a reply to its invitation, or --from
    [res] = import_files(rnd_ws, [path], document=SAMPLE_SN, mail_text=True, from_org="awo-sachsen")
    assert res.status == "importiert" and res.ids == ["AWO-SVU-001"]
    [sub] = list_submissions(rnd_ws.rnd.folder)  # type: ignore[attr-defined]
    [comment] = sub.comments
    assert comment["text"] == (
        "Guten Tag,\n\nwir tragen den Entwurf mit, bitten aber um eine Übergangsfrist."
    )
    assert comment["kind"] == "grundsaetzlich" and sub.data["source"]["format"] == "eml"
    assert sub.data["source"]["message_id"] == "<text-1@awo-sachsen.example.org>"
    assert import_files(rnd_ws, [path], mail_text=True)[0].status == "bereits importiert"
