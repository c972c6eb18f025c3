"""Beteiligung: consult (open, status, close) and comments (import, list, reply, show)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import CONSULTATION, exit_with, group, pass_workspace
from lafast_docs.cli.options import (
    comment_id_argument,
    formats_option,
    json_option,
    mail_options,
    org_option,
    out_option,
    output_path,
    parse_date,
    round_option,
    slug_argument,
)

if TYPE_CHECKING:
    from lafast_docs.consultation.intake.importer import ImportResult
    from lafast_docs.outputs.replies import Reply
    from lafast_docs.workspace import Workspace


@group(stage=CONSULTATION)
def consult() -> None:
    """Beteiligungsrunden: eröffnen, Stand ansehen, schließen."""


@consult.command("open", changes_state=True)
@slug_argument()
@click.option("--deadline", required=True, metavar="JJJJ-MM-TT", help="Frist für Rückmeldungen.")
@click.option(
    "--invite",
    required=True,
    metavar="ORG[,ORG…]",
    help="Eingeladene Organisationen (Kennungen aus dem Adressbuch) oder Gruppen: "
    "alle, alle-gremien, alle-traeger.",
)
@mail_options
@pass_workspace
def consult_open(ws: Workspace, kurzname: str, deadline: str, invite: str, **mail: bool) -> None:
    """Beteiligungsrunde eröffnen: Fassung einfrieren, Formulare und Einladungen erzeugen.

    Jede Organisation bekommt eine Einladung als E-Mail-Entwurf (.eml) mit ihren eigenen
    Formularen im Anhang; mit --send gehen die Einladungen gleich über den Mailserver hinaus.

    \b
    Beispiel:  lafast consult open mindeststandards-fsa --deadline 2026-12-15 \\
                 --invite alle-gremien,awo-sachsen
    """
    deadline_ = parse_date(deadline, "--deadline")
    with show.progress() as bar:
        rnd = core.rounds.open_round(
            ws, kurzname, deadline=deadline_, invite=invite.split(","), progress=bar
        )
    click.echo(
        f"{rnd.id} eröffnet: Fassung {rnd.commit[:10]} (Version {rnd.version}), "
        f"Markierung {rnd.tag}, Frist {rnd.deadline:%d.%m.%Y}."
    )
    click.echo(f"Formulare (DOCX, XLSX, YAML) je Organisation: {rnd.folder / 'formulare'}")
    flags = _mail_flags(mail)
    _, outcomes = core.letters.mail_round(ws, kurzname, "einladung", round_id=rnd.id, **flags)
    click.echo("Einladungen:")
    show.mail_results(outcomes, sending=flags["send"])
    show.hint(
        "Die Entwürfe (.eml) öffnen (Outlook, Thunderbird) und senden, dann "
        f"„lafast consult mail {kurzname} einladung --mark-sent“; oder direkt "
        f"„lafast consult mail {kurzname} einladung --send“. Antworten einlesen mit "
        "„lafast comments import DATEI…“. Die Formulare stehen nicht in git; auf anderen "
        f"Rechnern: „lafast consult formulare {kurzname}“."
        if not flags["send"]
        else f"„lafast consult status {kurzname}“ zeigt, wer eingeladen ist und wer antwortet."
    )


def _mail_flags(mail: dict[str, bool]) -> dict[str, Any]:
    """--send, --dry-run, --again, --mark-sent as the core's keywords (a dry run sends nothing)."""
    return {
        "send": mail["send"] and not mail["dry_run"],
        "dry_run": mail["dry_run"],
        "again": mail["again"],
        "mark_sent": mail["mark_sent"] and not mail["dry_run"],
        "ask_password": _ask_password,
        "progress": show.step,
    }


def _ask_password(prompt: str) -> str:
    """Asked at a terminal only; never echoed, never stored."""
    if not sys.stdin.isatty():
        raise click.UsageError(
            "Kein Passwort: Setzen Sie die Variable aus lafast.yaml (mail: smtp: password_env)."
        )
    return str(click.prompt(prompt, hide_input=True))


@consult.command("mail", changes_state=True)
@slug_argument()
@click.argument("art", type=click.Choice(["einladung", "erinnerung", "veroeffentlichung"]))
@round_option()
@org_option("--to", "to", help="Nur an diese Organisation.")
@mail_options
@pass_workspace
def consult_mail(
    ws: Workspace,
    kurzname: str,
    art: str,
    round_id: str | None,
    to: str | None,
    **mail: bool,
) -> None:
    """Einladungen, Erinnerungen oder den Veröffentlichungshinweis als E-Mail vorbereiten
    (.eml) oder senden.

    Erinnert werden alle Eingeladenen, die noch nicht geantwortet haben; der Hinweis auf die
    Veröffentlichung (mit der signierten PDF-Datei) geht an alle, die in einer Runde zum
    Dokument eingeladen waren. Was schon gesendet ist, wird nicht noch einmal gesendet (außer
    mit --again).

    \b
    Beispiele:  lafast consult mail mindeststandards-fsa erinnerung --dry-run
                lafast consult mail mindeststandards-fsa einladung --send
                lafast consult mail mindeststandards-fsa veroeffentlichung
    """
    flags = _mail_flags(mail)
    if art == "veroeffentlichung":
        version = core.drafts.load_draft(ws, kurzname).version
        pdf = ws.build_dir / kurzname / core.final.FINAL_DIR / f"{kurzname}-{version}.pdf"
        rnd, outcomes = core.letters.mail_notices(ws, kurzname, pdf, **flags)
    else:
        rnd, outcomes = core.letters.mail_round(
            ws, kurzname, art, round_id=round_id, to=to, **flags
        )
    label = {"einladung": "Einladungen", "erinnerung": "Erinnerungen"}.get(art, "Hinweise")
    click.echo(f"{label} zu {kurzname}, {rnd.id}:")
    if show.mail_results(outcomes, sending=flags["send"]):
        exit_with(1)


@consult.command("formulare", changes_state=True)
@slug_argument()
@round_option()
@org_option("--org", help="Nur für diese Organisation (Kennung aus dem Adressbuch).")
@pass_workspace
def consult_forms(ws: Workspace, kurzname: str, round_id: str | None, org: str | None) -> None:
    """Formulare einer Runde (wieder) erzeugen, z. B. auf dem Rechner einer Kollegin.

    Die Formulare stehen nicht in der Versionsgeschichte: sie entstehen genau so, wie
    „consult open“ sie erzeugt hat, aus der eingefrorenen Fassung und dem Adressbuch.

    \b
    Beispiele:  lafast consult formulare mindeststandards-fsa
                lafast consult formulare mindeststandards-fsa --round 1 --org awo-sachsen
    """
    with show.progress() as bar:
        rnd, written = core.rounds.rebuild_forms(
            ws, kurzname, round_id, orgs=[org] if org else None, progress=bar
        )
    click.echo(f"{len(written)} Formulare der {rnd.id} zu {kurzname}: {rnd.folder / 'formulare'}")


@consult.command("status")
@slug_argument()
@round_option()
@json_option
@pass_workspace
def consult_status(ws: Workspace, kurzname: str, round_id: str | None, as_json: bool) -> None:
    """Wer hat geantwortet, wer fehlt, was ist überfällig.

    \b
    Beispiel:  lafast consult status mindeststandards-fsa
    """
    show.round_state(ws, kurzname, round_id, json_=as_json)


@consult.command("close", changes_state=True)
@slug_argument()
@pass_workspace
def consult_close(ws: Workspace, kurzname: str) -> None:
    """Beteiligungsrunde schließen (Stand wird „abstimmung“).

    \b
    Beispiel:  lafast consult close mindeststandards-fsa
    """
    rnd = core.rounds.close_round(ws, kurzname)
    click.echo(f"{rnd.id} zu {kurzname} geschlossen.")
    show.hint(
        f"über die Anmerkungen entscheiden: „lafast disposition export {kurzname}“ für die "
        f"Sitzung, oder einzeln: {core.overview.next_after_decision(ws, '', slug=kurzname)}"
    )


# decisions.overview.DECISION_FILTERS, spelled out so that `lafast --help` runs no core module
# (tests/test_overview.py checks that the two agree)
DECISION_FILTERS = (
    "angenommen", "teilweise", "abgelehnt", "zurueckgestellt", "doppelung", "zurueckgezogen",
    "kenntnis", "offen",
)  # fmt: skip


@group(stage=CONSULTATION)
def comments() -> None:
    """Rückmeldungen einlesen und ansehen."""


@comments.command("import", changes_state=True)
@click.argument("dateien", nargs=-1, required=True, type=click.Path())
@org_option(
    "--from",
    "from_org",
    help="Absender, wenn die Datei es nicht selbst sagt (Kennung aus dem Adressbuch).",
)
@round_option()
@click.option(
    "--document", metavar="KURZNAME", help="Dokument, wenn die Datei es nicht selbst sagt."
)
@click.option(
    "--late",
    is_flag=True,
    help="Auch nach „consult close“ einlesen; die Rückmeldung wird als verspätet markiert.",
)
@click.option(
    "--mailtext",
    "mail_text",
    is_flag=True,
    help="Bei E-Mails auch den Text selbst (ohne Zitat und Signatur) als grundsätzliche "
    "Anmerkung einlesen.",
)
@pass_workspace
def comments_import(
    ws: Workspace,
    dateien: tuple[str, ...],
    from_org: str | None,
    round_id: str | None,
    document: str | None,
    late: bool,
    mail_text: bool,
) -> None:
    """Rückmeldungen einlesen: DOCX, XLSX, CSV, YAML, E-Mail (.eml, Outlook .msg) oder ein
    ganzes Postfach (mbox-Datei, Maildir-Ordner); jede E-Mail nur einmal.

    \b
    Beispiele:  lafast comments import ~/Downloads/awo-rueckmeldung.docx
                lafast comments import tabelle.csv --from caritas-dresden \\
                  --document mindeststandards-fsa
                lafast comments import ~/Rueckmeldungen.mbox
    """
    paths = [Path(d) for d in dateien]
    with show.progress(len(paths), "Lese Rückmeldungen ein") as step:
        results = core.importer.import_files(
            ws,
            paths,
            from_org=from_org,
            round_id=round_id,
            document=document,
            progress=lambda p: step(p.name),
            late=late,
            mail_text=mail_text,
        )
    if _print_imports(results):
        exit_with(1)


def _print_imports(results: list[ImportResult]) -> int:
    """Each file's outcome; returns how many could not be read."""
    for r in results:
        mark = {"importiert": "OK ", "bereits importiert": "== "}.get(r.status, "!! ")
        click.echo(f"{mark}{r.name}: {r.status} – {r.message}")
        if r.ids:
            click.echo(f"    Kennungen: {', '.join(r.ids)}")
        if r.stale:
            click.echo(f"    Nicht zuzuordnen (veraltet markiert): {', '.join(r.stale)}")
        show.lines(f"    {note}" for note in r.notes if note)
    failed = [r for r in results if not r.ok]
    slugs = sorted({r.path.parent.parent.name for r in results if r.ok and r.path is not None})
    for slug in slugs:
        show.hint(
            f"„lafast consult status {slug}“ zeigt, wer noch fehlt, "
            f"„lafast comments list {slug}“ die Anmerkungen."
        )
    if failed:
        show.err(f"\n{len(failed)} von {len(results)} Datei(en) nicht eingelesen.")
    return len(failed)


@comments.command("list")
@slug_argument()
@round_option("Nur diese Runde.")
@click.option("--rn", type=int, help="Nur Anmerkungen zu dieser Randnummer.")
@click.option(
    "--kind",
    type=click.Choice(["grundsaetzlich", "inhaltlich", "redaktionell"]),
    help="Nur diese Art.",
)
@org_option("--org", help="Nur von dieser Organisation.")
@click.option(
    "--anchoring",
    "--state",
    "state",
    type=click.Choice(["exakt", "unscharf", "randnummer", "veraltet", "ohne"]),
    help="Nur mit diesem Zuordnungsstand: wie sicher die Anmerkung ihrer Textstelle "
    "zugeordnet ist (--state ist der frühere Name).",
)
@click.option(
    "--decision",
    "--entscheidung",
    "decision",
    type=click.Choice(DECISION_FILTERS),
    help="Nur mit dieser Entscheidung (offen: noch nicht entschieden).",
)
@json_option
@pass_workspace
def comments_list(ws: Workspace, kurzname: str, as_json: bool, **filters: str | int | None) -> None:
    """Anmerkungen eines Dokuments auflisten (mit Filtern).

    \b
    Beispiele:  lafast comments list mindeststandards-fsa --rn 12 --kind inhaltlich
                lafast comments list mindeststandards-fsa --decision offen
    """
    show.comment_list(ws, kurzname, json_=as_json, **filters)


@comments.command("reply", changes_state=True)
@slug_argument()
@round_option()
@org_option("--to", "to", help="Nur für diese Organisation.")
@formats_option("pdf,docx")
@out_option("Zielordner. Vorgabe: build/KURZNAME/antworten-runde-N.")
@mail_options
@pass_workspace
def comments_reply(
    ws: Workspace,
    kurzname: str,
    round_id: str | None,
    to: str | None,
    formats: str,
    out: str | None,
    **mail: bool,
) -> None:
    """Antwortschreiben: jeder Organisation, wie über ihre Anmerkungen entschieden wurde.

    Zu jedem Schreiben entsteht ein E-Mail-Entwurf (.eml) mit dem Schreiben im Anhang; mit
    --send geht es gleich über den Mailserver hinaus.

    \b
    Beispiele:  lafast comments reply mindeststandards-fsa
                lafast comments reply mindeststandards-fsa --round 1 --to awo-sachsen --send
    """
    wanted, out_dir = core.pipeline.parse_formats(formats, core.replies.REPLY), output_path(ws, out)
    with show.progress() as bar:
        replies = core.replies.reply(
            ws, kurzname, round_id=round_id, to=to, formats=wanted, out_dir=out_dir, progress=bar
        )
    _print_replies(replies)
    flags = _mail_flags(mail)
    outcomes = core.letters.mail_replies(
        ws, core.rounds.find_round(ws, kurzname, round_id), replies, **flags
    )
    click.echo("E-Mails:")
    if show.mail_results(outcomes, sending=flags["send"]):
        exit_with(1)
    if not flags["send"]:
        show.hint("Die Entwürfe (.eml) öffnen und senden, oder mit --send direkt senden.")


def _print_replies(replies: list[Reply]) -> None:
    for r in replies:
        note = f" ({r.open} noch offen)" if r.open else ""
        click.echo(f"{r.org}: {len(r.lines)} Anmerkung(en){note}")
        show.outputs(r.outputs, indent="  ")
    if any(r.open for r in replies):
        click.echo("Hinweis: Offene Anmerkungen entscheiden mit „lafast decide KENNUNG …“.")


@comments.command("show")
@comment_id_argument()
@pass_workspace
def comments_show(ws: Workspace, kennung: str) -> None:
    """Eine Anmerkung ganz zeigen: Text, Vorschlag, Zusammenhang, Entscheidung mit Verlauf.

    \b
    Beispiel:  lafast comments show AWO-MF-003
    """
    for line in core.overview.show_decided(ws, kennung):
        click.echo("  " + show.words(line) if isinstance(line, list) else line)
