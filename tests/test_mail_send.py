"""Outgoing mail: invitations with each organisation's own forms, reminders, reply letters;
as .eml drafts or sent through a real SMTP server on 127.0.0.1 (STARTTLS or TLS, AUTH), each
recorded in the round, never sent twice, a partial failure recorded and finished by a re-run."""

from __future__ import annotations

import datetime as dt
import email
import email.message
import email.policy
import email.utils
import mailbox
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lafast_docs.consultation.intake.importer import import_files
from lafast_docs.consultation.mail import record
from lafast_docs.consultation.mail.letters import mail_notices, mail_replies, mail_round
from lafast_docs.consultation.rounds import find_round, open_round, round_status
from lafast_docs.consultation.submissions import list_submissions
from lafast_docs.errors import ConfigError, MailNotConfigured, NothingToMail, SmtpFailed
from lafast_docs.outputs.replies import reply
from lafast_docs.workspace import Workspace
from lafast_docs.workspace.config import CONFIG_NAME, load_config
from lafast_docs.workspace.create import init_workspace

from .conftest import GIT_ENV, SAMPLE_FS, copy_samples, git
from .intake_files import fill_xlsx_form, fill_yaml_form, msg_with
from .mailserver import PASSWORD, USER, MailServer
from .test_cli import _Main

INVITED = ["awo-sachsen", "drk-sachsen", "lag-fsa-msa"]


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with round 1 open (forms made once per module; each test gets a copy)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        ws = copy_samples(init_workspace(tmp_path_factory.mktemp("mail") / "ws"), SAMPLE_FS)
        open_round(ws, SAMPLE_FS, deadline=dt.date(2099, 12, 20), invite=INVITED)
    return ws.root


@pytest.fixture
def rws(opened: Path, tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(opened, root, symlinks=True)
    return Workspace(root, load_config(root / CONFIG_NAME))


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MailServer:
    (tmp_path / "srv").mkdir()
    with MailServer(tmp_path / "srv") as srv:
        monkeypatch.setenv("SSL_CERT_FILE", str(srv.cert))  # trust the server's own certificate
        monkeypatch.setenv("LAFAST_TEST_SMTP", PASSWORD)
        yield srv


def use_server(ws: Workspace, srv: MailServer) -> None:
    cfg = ws.root / CONFIG_NAME
    cfg.write_text(cfg.read_text("utf-8") + "\n" + srv.config(), "utf-8")
    ws.config = load_config(cfg)
    ws.store.commit([cfg], "Mailserver")


def parse(data: bytes) -> email.message.EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def attachments(msg: email.message.EmailMessage) -> dict[str, bytes]:
    return {str(p.get_filename()): p.get_payload(decode=True) for p in msg.iter_attachments()}


def forms_of(ws: Workspace, org: str) -> dict[str, bytes]:
    folder = ws.comments_dir / SAMPLE_FS / "runde-1" / "formulare" / org
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def answer(ws: Workspace, org: str, tmp: Path) -> None:
    form = (
        ws.comments_dir
        / SAMPLE_FS
        / "runde-1"
        / "formulare"
        / org
        / f"{SAMPLE_FS}-runde-1-{org}.yaml"
    )
    path = tmp / f"{org}.yaml"
    path.write_bytes(
        fill_yaml_form(form, '  - rn: 2\n    art: inhaltlich\n    anmerkung: "Bitte klarer."\n')
    )
    assert import_files(ws, [path])[0].status == "importiert"


def test_invitation_drafts_carry_each_organisations_own_forms(rws: Workspace) -> None:
    rnd, outcomes = mail_round(rws, SAMPLE_FS, "einladung")
    assert [o.state for o in outcomes] == ["vorbereitet"] * 3
    for org in INVITED:
        msg = parse(
            (rws.build_dir / SAMPLE_FS / "e-mails-runde-1" / f"einladung-{org}.eml").read_bytes()
        )
        book = rws.config.org(org)
        assert book is not None
        assert msg["X-Unsent"] == "1" and msg["Date"] is None
        assert msg["To"].addresses[0].addr_spec == book.email
        assert msg["To"].addresses[0].display_name == book.name  # „(LAG FSA/MSA)“ kept
        assert msg["Subject"] == (
            "Beteiligung: Fachstandard „Mindeststandards für die Flüchtlingssozialarbeit in "
            "Sachsen“ – Rückmeldung bis 20. Dezember 2099"
        )
        body = msg.get_body(("plain",)).get_content()
        assert f"wir laden {book.name} herzlich ein, zum Fachstandard" in body
        assert "bis zum 20. Dezember 2099" in body
        assert attachments(msg) == forms_of(rws, org)  # its own three forms, byte for byte
    assert (
        "Guten Tag Katrin Weber,"
        in parse(
            (
                rws.build_dir / SAMPLE_FS / "e-mails-runde-1" / "einladung-awo-sachsen.eml"
            ).read_bytes()
        )
        .get_body(("plain",))
        .get_content()
    )
    entries = record.load(rnd.folder)
    assert [(e.kind, e.org, bool(e.prepared), e.sent) for e in entries] == [
        ("einladung", org, True, "") for org in INVITED
    ]
    assert "versand.yaml" in git(rws, "show", "--stat", "HEAD")
    _, rows, _ = round_status(rws, SAMPLE_FS)
    assert {r.org: (r.invited, bool(r.prepared)) for r in rows} == {o: ("", True) for o in INVITED}
    # prepared again (e.g. after a change of the template): same Message-IDs, no new entries
    mail_round(rws, SAMPLE_FS, "einladung")
    assert [e.message_id for e in record.load(rnd.folder)] == [e.message_id for e in entries]


def test_own_template_and_broken_template(rws: Workspace) -> None:
    own = rws.templates_dir / "mail" / "einladung.txt.j2"
    own.parent.mkdir(parents=True)
    own.write_text("Betreff: Bitte um Ihre Meinung: {{ titel }}\n\n{{ anrede }}\nkurz und gut.\n")
    mail_round(rws, SAMPLE_FS, "einladung", to="drk-sachsen")
    msg = parse(
        (rws.build_dir / SAMPLE_FS / "e-mails-runde-1" / "einladung-drk-sachsen.eml").read_bytes()
    )
    assert msg["Subject"].startswith("Bitte um Ihre Meinung: Mindeststandards")
    assert msg.get_body(("plain",)).get_content().startswith("Sehr geehrte Damen und Herren,\n")
    own.write_text("Bitte um Ihre Meinung\n\nText\n")
    head = git(rws, "rev-parse", "HEAD")
    with pytest.raises(Exception) as exc:
        mail_round(rws, SAMPLE_FS, "einladung", to="awo-sachsen")
    assert "beginnt nicht mit „Betreff: …“" in str(exc.value)
    assert git(rws, "rev-parse", "HEAD") == head
    assert not (
        rws.build_dir / SAMPLE_FS / "e-mails-runde-1" / "einladung-awo-sachsen.eml"
    ).exists()


def test_send_whole_round_starttls_auth_then_never_twice(
    rws: Workspace, server: MailServer, tmp_path: Path
) -> None:
    use_server(rws, server)
    rnd, outcomes = mail_round(rws, SAMPLE_FS, "einladung", send=True)
    assert [o.state for o in outcomes] == ["gesendet"] * 3
    got = server.handler.received
    assert [r.recipients for r in got] == [[rws.config.org(o).email] for o in INVITED]  # type: ignore[union-attr]
    assert all(r.authenticated and r.sender == USER for r in got)
    entries = {e.org: e for e in record.load(rnd.folder)}
    for r, org in zip(got, INVITED, strict=True):
        assert attachments(r.message) == forms_of(rws, org)
        assert r.message["X-Unsent"] is None and r.message["Date"] is not None
        assert r.message["From"].addresses[0].addr_spec == USER
        assert r.message["Message-ID"].strip() == entries[org].message_id
        assert entries[org].sent
    today = dt.date.today().isoformat()
    _, rows, _ = round_status(rws, SAMPLE_FS)
    assert {r.org: r.invited for r in rows} == {o: today for o in INVITED}
    # a re-run sends nothing
    again = mail_round(rws, SAMPLE_FS, "einladung", send=True)[1]
    assert {o.state for o in again} == {"übersprungen"} and len(got) == 3
    # one answers; the reminder goes to the two others only, saying when they were invited
    answer(rws, "awo-sachsen", tmp_path)
    reminded = mail_round(rws, SAMPLE_FS, "erinnerung", send=True)[1]
    assert [o.org for o in reminded] == ["drk-sachsen", "lag-fsa-msa"]
    assert [r.recipients[0].split("@")[1] for r in got[3:]] == [
        "drk.example.org",
        "lag-fsa-msa.example.org",
    ]
    body = got[3].message.get_body(("plain",)).get_content()
    assert f"am {dt.date.today():%-d}." in body and "Bisher ist bei uns keine Rückmeldung" in body
    _, rows, _ = round_status(rws, SAMPLE_FS)
    assert {r.org: r.reminded for r in rows}["drk-sachsen"] == (today,)
    out = CliRunner().invoke(_Main(), ["-w", str(rws.root), "consult", "status", SAMPLE_FS])
    assert (
        f"eingeladen am {dt.date.today():%d.%m.%Y}, erinnert am {dt.date.today():%d.%m.%Y}"
        in out.output
    )


def test_refused_recipient_and_dropped_connection_rerun_sends_the_rest(
    rws: Workspace, server: MailServer
) -> None:
    use_server(rws, server)
    drk = rws.config.org("drk-sachsen")
    assert drk is not None
    server.handler.refuse = {drk.email}
    rnd, outcomes = mail_round(rws, SAMPLE_FS, "einladung", send=True)
    assert [o.state for o in outcomes] == ["gesendet", "fehler", "gesendet"]
    assert "Empfänger vom Server abgelehnt (550 5.1.1 Postfach unbekannt)" in outcomes[1].detail
    entries = {e.org: e for e in record.load(rnd.folder)}
    assert entries["drk-sachsen"].error and not entries["drk-sachsen"].sent
    assert git(rws, "status", "--porcelain", "comments") == ""  # every outcome committed
    server.handler.refuse = set()
    retry = mail_round(rws, SAMPLE_FS, "einladung", send=True)[1]
    assert [o.state for o in retry] == ["übersprungen", "gesendet", "übersprungen"]
    got = server.handler.received
    assert [r.recipients[0] for r in got].count(drk.email) == 1 and len(got) == 3
    # the retried message keeps its Message-ID (a reply to either copy is matched)
    assert got[-1].message["Message-ID"].strip() == entries["drk-sachsen"].message_id

    # the connection drops after the first reminder: one sent, the rest not tried
    server.handler.drop_after = len(got) + 1
    part = mail_round(rws, SAMPLE_FS, "erinnerung", send=True)[1]
    assert part[0].state == "gesendet"
    assert {o.state for o in part[1:]} <= {"fehler", "nicht versucht"}
    server.handler.drop_after = None
    rest = mail_round(rws, SAMPLE_FS, "erinnerung", send=True)[1]
    assert [o.state for o in rest] == ["übersprungen", "gesendet", "gesendet"]
    assert len(server.handler.received) == 6


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls(rws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tls").mkdir()
    with MailServer(tmp_path / "tls", tls="tls") as srv:
        monkeypatch.setenv("SSL_CERT_FILE", str(srv.cert))
        monkeypatch.setenv("LAFAST_TEST_SMTP", PASSWORD)
        use_server(rws, srv)
        outcomes = mail_round(rws, SAMPLE_FS, "einladung", to="lag-fsa-msa", send=True)[1]
        assert [o.state for o in outcomes] == ["gesendet"]
        assert srv.handler.received[0].authenticated


def test_refusals_leave_nothing_recorded(
    rws: Workspace, server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = git(rws, "rev-parse", "HEAD")
    with pytest.raises(MailNotConfigured, match="Zum Senden fehlt der Mailserver"):
        mail_round(rws, SAMPLE_FS, "einladung", send=True)
    use_server(rws, server)
    head = git(rws, "rev-parse", "HEAD")
    monkeypatch.setenv("LAFAST_TEST_SMTP", "falsch")
    with pytest.raises(SmtpFailed, match="hat die Anmeldung als fachstelle@"):
        mail_round(rws, SAMPLE_FS, "einladung", send=True)
    monkeypatch.delenv("LAFAST_TEST_SMTP")
    with pytest.raises(MailNotConfigured, match="Kein Passwort für fachstelle@"):
        mail_round(rws, SAMPLE_FS, "einladung", send=True)
    monkeypatch.setenv("LAFAST_TEST_SMTP", PASSWORD)
    monkeypatch.setenv("SSL_CERT_FILE", str(rws.root / "lafast.yaml"))  # server not trusted
    with pytest.raises(SmtpFailed, match="verschlüsselte Verbindung"):
        mail_round(rws, SAMPLE_FS, "einladung", send=True)
    assert server.handler.received == [] and server.handler.logins == [
        "fachstelle@lafast.example.org"
    ]
    assert git(rws, "rev-parse", "HEAD") == head
    assert record.load(find_round(rws, SAMPLE_FS).folder) == []
    # a dry run lists who would get what, and writes nothing
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    listed = mail_round(rws, SAMPLE_FS, "einladung", dry_run=True, send=True)[1]
    assert [(o.state, len(o.files)) for o in listed] == [("probelauf", 3)] * 3
    assert server.handler.received == [] and git(rws, "rev-parse", "HEAD") == head
    assert not (rws.build_dir / SAMPLE_FS).exists()


def test_config_mail_section_refused_with_every_problem(rws: Workspace) -> None:
    cfg = rws.root / CONFIG_NAME
    cfg.write_text(
        cfg.read_text("utf-8")
        + "\nmail:\n  from: keine-adresse\n  smtp:\n    host: mail.example.org\n"
        "    security: none\n    password: geheim\n",
        "utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        load_config(cfg)
    text = "\n".join(p.message for p in exc.value.problems)
    assert "„from: keine-adresse“ ist keine gültige E-Mail-Adresse" in text
    assert "Das Passwort gehört nicht in lafast.yaml" in text
    assert "ohne Verschlüsselung („security: none“) nur an diesen Rechner" in text


def test_reply_letters_as_drafts(fs_ws: Workspace, tmp_path: Path) -> None:
    fs_ws.submit("awo-sachsen", '  - rn: 2\n    art: inhaltlich\n    anmerkung: "Klarer."\n')  # type: ignore[attr-defined]
    rnd = find_round(fs_ws, SAMPLE_FS)
    replies = reply(fs_ws, SAMPLE_FS, formats=("docx",), out_dir=tmp_path / "antw")  # no PDF: fast
    outcomes = mail_replies(fs_ws, rnd, replies)
    assert [(o.org, o.state) for o in outcomes] == [("awo-sachsen", "vorbereitet")]
    msg = parse(outcomes[0].draft.read_bytes())  # type: ignore[union-attr]
    assert list(attachments(msg)) == [f"antwort-{SAMPLE_FS}-runde-1-awo-sachsen.docx"]
    assert msg["Subject"].startswith("Ihre Rückmeldung zum Fachstandard „Mindeststandards")
    assert "Ergebnis der Abwägung" in msg["Subject"]
    assert msg.get_body(("plain",)).get_content().startswith("Guten Tag Katrin Weber,\n")


def test_cli_reminder_dry_run_and_nothing_to_remind(rws: Workspace, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        _Main(), ["-w", str(rws.root), "consult", "mail", SAMPLE_FS, "erinnerung", "--dry-run"]
    )
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[:3] == [
        f"Erinnerungen zu {SAMPLE_FS}, runde-1:",
        "-- AWO Landesverband Sachsen e. V. <migration@awo-sachsen.example.org>: probelauf",
        "    Betreff: Erinnerung: Rückmeldung zum Fachstandard „Mindeststandards für die "
        "Flüchtlingssozialarbeit in Sachsen“ bis 20. Dezember 2099",
    ]
    res = runner.invoke(
        _Main(), ["-w", str(rws.root), "consult", "mail", SAMPLE_FS, "einladung", "--send"]
    )
    assert res.exit_code == 1
    assert "Zum Senden fehlt der Mailserver in lafast.yaml." in res.output
    for org in INVITED:
        answer(rws, org, tmp_path)
    with pytest.raises(NothingToMail):
        mail_round(rws, SAMPLE_FS, "erinnerung")


def reply_eml(invitation: email.message.EmailMessage, files: dict[str, bytes]) -> bytes:
    """A reply as a mail program makes it: To/From swapped, In-Reply-To and References."""
    msg = email.message.EmailMessage()
    msg["From"] = invitation["To"]
    msg["To"] = invitation["From"]
    msg["Subject"] = "AW: " + invitation["Subject"]
    msg["Message-ID"] = email.utils.make_msgid("antwort", domain="traeger.example.org")
    msg["In-Reply-To"] = invitation["Message-ID"].strip()
    msg["References"] = invitation["Message-ID"].strip()
    msg["Date"] = email.utils.format_datetime(dt.datetime(2026, 12, 2, 9, 0).astimezone())
    msg.set_content("Guten Tag,\nanbei unsere Anmerkungen.\n")
    for name, data in files.items():
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(msg)


def test_whole_round_sent_then_answers_read_back_from_msg_and_mbox(
    rws: Workspace, server: MailServer, tmp_path: Path
) -> None:
    """Invitations out through SMTP; answers back as Outlook .msg and as a Thunderbird mbox."""
    use_server(rws, server)
    mail_round(rws, SAMPLE_FS, "einladung", send=True)
    sent = {r.recipients[0]: r.message for r in server.handler.received}
    book = {o: rws.config.org(o) for o in INVITED}
    # AWO (Outlook): a plain CSV table, which names nobody: the reply to its invitation does
    csv = "Rn.;Abschnitt;Art;Anmerkung;Änderungsvorschlag;Begründung\n2;;inhaltlich;Zu knapp.;;\n"
    awo_inv = sent[book["awo-sachsen"].email]  # type: ignore[union-attr]
    awo = tmp_path / "AW Beteiligung AWO.msg"
    awo.write_bytes(
        msg_with(
            {"Anmerkungen der AWO – Größe, Übersicht.csv": csv.encode("cp1252")},
            sender=(book["awo-sachsen"].email, "Katrin Weber"),  # type: ignore[union-attr]
            message_id="<awo-1@awo-sachsen.example.org>",
            in_reply_to=awo_inv["Message-ID"].strip(),
        )
    )
    # DRK and the LAG (Thunderbird): their own filled forms, exported as one mbox
    forms = rws.comments_dir / SAMPLE_FS / "runde-1" / "formulare"
    drk_xlsx = fill_xlsx_form(
        forms / "drk-sachsen" / f"{SAMPLE_FS}-runde-1-drk-sachsen.xlsx",
        [[3, "", "redaktionell", "Tippfehler.", "", ""]],
    )
    lag_yaml = fill_yaml_form(
        forms / "lag-fsa-msa" / f"{SAMPLE_FS}-runde-1-lag-fsa-msa.yaml",
        '  - rn: 4\n    art: grundsaetzlich\n    anmerkung: "Grundsätzlich gut."\n',
    )
    box = mailbox.mbox(tmp_path / "Rueckmeldungen.mbox")
    for org, files in (
        ("drk-sachsen", {"drk.xlsx": drk_xlsx}),
        ("lag-fsa-msa", {"lag.yaml": lag_yaml}),
    ):
        box.add(reply_eml(sent[book[org].email], files))  # type: ignore[union-attr]
    box.flush()
    box.close()

    res = import_files(rws, [awo, tmp_path / "Rueckmeldungen.mbox"])
    assert [(r.status, r.ids) for r in res] == [
        ("importiert", ["AWO-MF-001"]),
        ("importiert", ["DRK-MF-001"]),
        ("importiert", ["LAG-MF-001"]),
    ]
    assert res[0].notes[0] == f"Antwort auf die Einladung an awo-sachsen ({SAMPLE_FS}, runde-1)"
    subs = {s.org: s.data for s in list_submissions(find_round(rws, SAMPLE_FS).folder)}
    assert subs["awo-sachsen"]["source"]["message_id"] == "<awo-1@awo-sachsen.example.org>"
    assert subs["awo-sachsen"]["sender"]["pruefung"] == "passt"
    assert subs["awo-sachsen"]["source"]["name"] == "Anmerkungen der AWO – Größe, Übersicht.csv"
    kept = sorted(p.name for p in (find_round(rws, SAMPLE_FS).folder / "originale").iterdir())
    assert sum(name.endswith(".msg") for name in kept) == 1
    assert sum(name.endswith(".eml") for name in kept) == 2
    _, rows, _ = round_status(rws, SAMPLE_FS)
    assert all(r.answered for r in rows)
    # read again (the same files, or the mailbox exported once more): nothing twice
    again = import_files(rws, [awo, tmp_path / "Rueckmeldungen.mbox"])
    assert [r.status for r in again] == ["bereits importiert"] * 3
    assert git(rws, "status", "--porcelain") == ""
    assert len(list_submissions(find_round(rws, SAMPLE_FS).folder)) == 3


def test_publication_notice_to_everyone_invited_with_the_signed_pdf(rws: Workspace) -> None:
    pdf = rws.build_dir / SAMPLE_FS / "freigegeben" / f"{SAMPLE_FS}-0.3.pdf"
    with pytest.raises(NothingToMail, match="ist noch nicht veröffentlicht"):
        mail_notices(rws, SAMPLE_FS, pdf)
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.7 signiert")  # what `lafast publish` leaves there
    rnd, outcomes = mail_notices(rws, SAMPLE_FS, pdf)
    assert [(o.org, o.state) for o in outcomes] == [(o, "vorbereitet") for o in INVITED]
    msg = parse(outcomes[0].draft.read_bytes())  # type: ignore[union-attr]
    assert msg["Subject"] == (
        "Veröffentlicht: Fachstandard „Mindeststandards für die Flüchtlingssozialarbeit in "
        "Sachsen“, Version 0.3"
    )
    assert "der Fachstandard „Mindeststandards" in msg.get_body(("plain",)).get_content()
    assert attachments(msg) == {pdf.name: pdf.read_bytes()}
    assert [e.kind for e in record.load(rnd.folder)] == ["veroeffentlichung"] * 3


def test_drafts_sent_from_the_mail_program_are_marked_and_never_sent_again(
    rws: Workspace, server: MailServer
) -> None:
    use_server(rws, server)
    mail_round(rws, SAMPLE_FS, "einladung", to="awo-sachsen")  # a draft for the AWO only
    res = CliRunner().invoke(
        _Main(), ["-w", str(rws.root), "consult", "mail", SAMPLE_FS, "einladung", "--mark-sent"]
    )
    assert res.exit_code == 1  # two had no draft: said, not marked
    assert (
        "OK AWO Landesverband Sachsen e. V. <migration@awo-sachsen.example.org>: gesendet – "
        "als von Hand gesendet vermerkt"
    ) in res.output
    assert (
        "DRK Landesverband Sachsen e. V. <sozialarbeit@drk.example.org>: nicht versucht – "
        "kein Entwurf vorbereitet"
    ) in res.output
    entry = record.load(find_round(rws, SAMPLE_FS).folder)[0]
    assert entry.by_hand and entry.sent
    sent = mail_round(rws, SAMPLE_FS, "einladung", send=True)[1]
    assert [o.state for o in sent] == ["übersprungen", "gesendet", "gesendet"]
    assert [r.recipients[0] for r in server.handler.received] == [
        "sozialarbeit@drk.example.org",
        "sprecherkreis@lag-fsa-msa.example.org",
    ]
