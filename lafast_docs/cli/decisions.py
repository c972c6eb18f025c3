"""Abwägung und Konsens: decide, disposition (export, import), consensus, merge, blame."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from lafast_docs.cli import core, show
from lafast_docs.cli.base import DECISIONS, command, exit_with, group, pass_workspace
from lafast_docs.cli.options import (
    comment_id_argument,
    dry_run_option,
    json_option,
    org_option,
    output_path,
    parse_date,
    round_option,
    slug_argument,
)

if TYPE_CHECKING:
    from lafast_docs.decisions.merge import MergePlan
    from lafast_docs.decisions.provenance import Trace
    from lafast_docs.workspace import Workspace


@command(
    stage=DECISIONS,
    short_help="Über eine Anmerkung entscheiden (Abwägung).",
    changes_state=True,
)
@comment_id_argument()
@click.option("--accept", "decision", flag_value="angenommen", help="Angenommen.")
@click.option(
    "--partly",
    "decision",
    flag_value="teilweise",
    help="Teilweise angenommen (mit --text: die übernommene Formulierung).",
)
@click.option("--reject", "decision", flag_value="abgelehnt", help="Abgelehnt.")
@click.option("--defer", "decision", flag_value="zurueckgestellt", help="Zurückgestellt.")
@click.option("--noted", "decision", flag_value="kenntnis", help="Zur Kenntnis genommen.")
@click.option(
    "--withdrawn", "decision", flag_value="zurueckgezogen", help="Vom Absender zurückgezogen."
)
@click.option(
    "--duplicate-of",
    metavar="KENNUNG",
    help="Doppelung einer anderen Anmerkung (mit deren Kennung).",
)
@click.option("--text", default="", help="Bei --partly: die Formulierung, die übernommen wird.")
@click.option(
    "--replaces",
    default="",
    metavar="TEXTSTELLE",
    help="Bei --partly: die Textstelle (wörtlich), die --text ersetzt – nötig, wenn die "
    "Anmerkung nur eine Randnummer nennt (z. B. aus der Excel-Tabelle).",
)
@click.option("--reason", default="", help="Begründung (außer bei --accept Pflicht).")
@pass_workspace
def decide(
    ws: Workspace,
    kennung: str,
    decision: str | None,
    duplicate_of: str | None,
    text: str,
    replaces: str,
    reason: str,
) -> None:
    """Über eine Anmerkung entscheiden (Abwägung); frühere Entscheidungen bleiben erhalten.

    \b
    Beispiele:  lafast decide AWO-MF-004 --accept
                lafast decide AWO-MF-002 --partly --text "in der Regel unbefristet" \\
                  --reason "Ausnahme für Projektförderung aufgenommen"
                lafast decide LAG-MF-003 --partly --replaces "auf volle Viertelstellen" \\
                  --text "auf volle Zehntelstellen" --reason "Vorschlag der LAG"
                lafast decide LAG-MF-002 --duplicate-of AWO-MF-001 --reason "gleicher Punkt"
    """
    decision = "doppelung" if duplicate_of else decision
    if not decision:
        raise click.UsageError(
            "Geben Sie eine Entscheidung an: --accept, --partly, --reject, "
            "--defer, --noted, --withdrawn oder --duplicate-of."
        )
    recorded = core.disposition.decide(
        ws,
        kennung,
        decision,
        reason=reason,
        text=text,
        duplicate_of=duplicate_of or "",
        replaces=replaces,
    )
    show.decision(recorded)
    show.hint(lambda: core.overview.next_after_decision(ws, recorded.comment_id))


@group(stage=DECISIONS)
def disposition() -> None:
    """Abwägungstabelle für Sitzungen: ausgeben, ausfüllen, einlesen."""


@disposition.command("export", changes_state=True)
@slug_argument()
@round_option()
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["xlsx", "yaml"]),
    default="xlsx",
    show_default=True,
    help="Excel-Tabelle mit Auswahlliste oder YAML-Datei.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Zieldatei. Vorgabe: build/KURZNAME/abwaegung-KURZNAME-runde-N.xlsx",
)
@pass_workspace
def disposition_export(
    ws: Workspace, kurzname: str, round_id: str | None, fmt: str, output: str | None
) -> None:
    """Alle Anmerkungen einer Runde mit ihrer Entscheidung als Tabelle ausgeben.

    In der Tabelle sind nur die Spalten Entscheidung, Begründung, Übernommene Formulierung
    und Doppelung von auszufüllen. Eine YAML-Datei, die schon existiert, wird aktualisiert;
    eigene #-Notizen darin bleiben erhalten.

    \b
    Beispiele:  lafast disposition export mindeststandards-fsa
                lafast disposition export mindeststandards-fsa --format yaml -o sitzung.yaml
    """
    path, n = core.sheet.export(
        ws, kurzname, round_id=round_id, fmt=fmt, target=output_path(ws, output, "-o")
    )
    click.echo(f"{n} Anmerkungen in {path}")
    show.hint(f"in der Sitzung ausfüllen, dann „lafast disposition import {path}“.")


@disposition.command("import", changes_state=True)
@click.argument("datei", type=click.Path(dir_okay=False))
@dry_run_option("Nur prüfen und zeigen, nichts speichern.")
@pass_workspace
def disposition_import(ws: Workspace, datei: str, dry_run: bool) -> None:
    """Eine ausgefüllte Abwägungstabelle (XLSX oder YAML) einlesen.

    Alle Zeilen werden zuerst geprüft; bei einem Fehler wird nichts übernommen. Nur
    geänderte Entscheidungen werden gespeichert, frühere bleiben in der Geschichte.

    \b
    Beispiel:  lafast disposition import build/mindeststandards-fsa/abwaegung-…-runde-1.xlsx
    """
    result = core.sheetimport.import_sheet(ws, Path(datei), dry_run=dry_run)
    for d in result.recorded:
        show.decision(d)
    verb = "würden gespeichert" if dry_run else "gespeichert"
    click.echo(
        f"{result.slug}, {result.round_id}: {len(result.recorded)} Entscheidung(en) {verb}, "
        f"{result.unchanged} unverändert, {result.open} noch offen."
    )
    if not dry_run:
        show.hint(core.overview.next_after_decision(ws, "", slug=result.slug))


@group(stage=DECISIONS)
def consensus() -> None:
    """Konsens eines Gremiums festhalten."""


@consensus.command("record", changes_state=True)
@slug_argument()
@org_option("--gremium", required=True, help="Kennung des Gremiums.")
@click.option("--date", "date_", required=True, metavar="JJJJ-MM-TT", help="Sitzungsdatum.")
@click.option("--participants", required=True, help="Teilnehmende, mit Komma getrennt.")
@click.option(
    "--confirms",
    multiple=True,
    metavar="KENNUNG",
    help="Bestätigte Entscheidungen (mehrfach oder mit Komma).",
)
@click.option(
    "--all-accepted",
    is_flag=True,
    help="Alle angenommenen und teilweise angenommenen Anmerkungen der Runde bestätigen.",
)
@click.option("--note", default="", help="Bemerkung zum Beschluss.")
@round_option("Runde, für die der Beschluss gilt (Vorgabe: die neueste).")
@pass_workspace
def consensus_record(
    ws: Workspace,
    kurzname: str,
    gremium: str,
    date_: str,
    participants: str,
    confirms: tuple[str, ...],
    all_accepted: bool,
    note: str,
    round_id: str | None,
) -> None:
    """Beschluss eines Gremiums festhalten, der Entscheidungen bestätigt.

    \b
    Beispiel:  lafast consensus record mindeststandards-fsa --gremium lag-fsa-msa \\
                 --date 2026-12-10 --participants "S. Kaya, M. Albers" --all-accepted
    """
    rec = core.consensus.record(
        ws,
        kurzname,
        gremium=gremium,
        date=parse_date(date_, "--date"),
        participants=participants.split(","),
        confirms=[c for item in confirms for c in item.split(",")],
        all_accepted=all_accepted,
        note=note,
        round_id=round_id,
    )
    click.echo(
        f"Konsens {rec.gremium} vom {rec.date:%d.%m.%Y} ({rec.round}): {len(rec.confirms)} "
        f"Entscheidung(en) bestätigt ({', '.join(rec.confirms)})."
    )
    show.hint(f"„lafast merge {kurzname} --dry-run“ zeigt, was übernommen würde.")


@command(
    stage=DECISIONS,
    short_help="Angenommene Vorschläge mit Konsens übernehmen (neue Version).",
    changes_state=True,
)
@slug_argument()
@dry_run_option("Nur zeigen, was sich ändern würde.")
@pass_workspace
def merge(ws: Workspace, kurzname: str, dry_run: bool) -> None:
    """Angenommene Vorschläge mit Konsens in den Text übernehmen (neue Version).

    \b
    Beispiele:  lafast merge mindeststandards-fsa --dry-run
                lafast merge mindeststandards-fsa
    """
    result = core.merge.merge(ws, kurzname, dry_run=dry_run)
    _print_merge(ws, result, kurzname, dry_run=dry_run)
    if result.refused and not result.changes:
        exit_with(1)  # nothing could be taken over; with changes saved, the list is a report


def _print_merge(ws: Workspace, result: MergePlan, kurzname: str, *, dry_run: bool) -> None:
    for ch in result.changes:
        consent = f" – Konsens {', '.join(ch.consensus)}" if ch.consensus else ""
        click.secho(f"{ch.comment_id} ({ch.org}){consent}", bold=True)
        click.echo("  " + show.words(core.history.word_diff(ch.old, core.merge.literal(ch.new))))
    for r in result.refused:
        click.echo(f"NICHT übernommen: {r.comment_id} – {r.reason}\n  Was tun: {r.hint}")
    for cid in result.not_textual:
        click.echo(f"Ohne Textvorschlag (von Hand umsetzen): {cid}")
    if not result.changes:
        click.echo("Nichts zu übernehmen.")
    elif dry_run:
        click.echo(
            f"\nProbelauf: {len(result.changes)} Änderung(en) würden Version "
            f"{result.version_to} ergeben. Nichts wurde geändert."
        )
        show.hint(f"„lafast merge {kurzname}“ (ohne --dry-run) speichert die neue Version.")
    else:
        click.echo(
            f"\nVersion {result.version_to} gespeichert ({result.commit[:10]}): "
            f"{len(result.changes)} Änderung(en) übernommen."
        )
        tag = core.overview.latest_round_tag(ws, kurzname)
        show.hint(
            f"„lafast synopse {kurzname} {tag} HEAD“ für das "
            f"Gremium und „lafast comments reply {kurzname}“ für die Antwortschreiben."
        )
    if result.changes and result.refused:
        left = ", ".join(r.comment_id for r in result.refused)
        click.echo(f"Nicht übernommen ({len(result.refused)}): {left} – Gründe siehe oben.")


@command(stage=DECISIONS, short_help="Herkunft eines Absatzes: Änderungen, Anmerkungen, Konsens.")
@slug_argument()
@click.option("--rn", type=int, required=True, help="Randnummer im aktuellen Text.")
@json_option
@pass_workspace
def blame(ws: Workspace, kurzname: str, rn: int, as_json: bool) -> None:
    """Herkunft eines Absatzes: Änderungen, Anmerkungen, Entscheidungen und Konsens.

    \b
    Beispiel:  lafast blame mindeststandards-fsa --rn 100
    """
    with show.progress() as bar:
        t = core.provenance.trace(ws, kurzname, rn, progress=bar)
    if as_json:
        show.as_json(t.as_data())
    else:
        _print_trace(t)


_EVENT_NAMES = {"geaendert": "geändert", "angelegt": "angelegt", "eingefuegt": "eingefügt"}


def _print_trace(t: Trace) -> None:
    where = f", Abschnitt {t.block.section_number}" if t.block.section_number else ""
    click.secho(f"Rn. {t.rn}{where}", bold=True)
    click.echo(f"  „{t.block.text}“\n")
    click.secho("Geschichte (neueste zuerst):", bold=True)
    for e in t.events:
        if e.kind == "ungespeichert":
            click.echo("  nicht gespeicherte Änderung in der Arbeitskopie")
        else:
            click.echo(
                f"  {e.date}  {e.sha[:10]}  {e.author}: {e.subject} ({_EVENT_NAMES[e.kind]})"
            )
        if e.kind != "angelegt":
            click.echo("    " + show.words(e.words))
        if e.comment_ids:
            click.echo(f"    umgesetzt: {', '.join(e.comment_ids)}")
    if not t.events:
        click.echo("  (noch nicht gespeichert)")
    click.secho("\nAnmerkungen zu diesem Absatz:", bold=True)
    for c in t.comments:
        rn_note = f", dort Rn. {c.rn}" if c.rn else ""
        click.echo(f"  {c.id} ({c.org}, {c.kind}; {c.round}{rn_note}): {c.text}")
        for d in c.decisions:
            reason = f" – {d.reason}" if d.reason else ""
            click.echo(f"    {d.at[:10]} {d.label}{reason} ({d.by})")
        show.lines(f"    Konsens: {k}" for k in c.consensus)
        if c.merged_in:
            click.echo(f"    übernommen mit {c.merged_in}")
    if not t.comments:
        click.echo("  keine")
