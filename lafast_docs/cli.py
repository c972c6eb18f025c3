"""The `lafast` command line: parse, call one core function, print. German for the user.

This is the only module that imports click. Errors from the core (`LafastError`) become a German
message and an exit code in `main`; heavy libraries are imported by the core only when needed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from lafast_docs import __version__, messages_de
from lafast_docs.errors import LafastError

for _mod in ("core", "exceptions", "formatting", "decorators", "parser", "types", "termui"):
    _m = sys.modules.get(f"click.{_mod}")
    if _m is not None and hasattr(_m, "_"):
        _m._ = messages_de.translate  # type: ignore[attr-defined]
    if _m is not None and hasattr(_m, "ngettext"):
        _m.ngettext = messages_de.ntranslate  # type: ignore[attr-defined]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# Commands that write files or commits: each runs under the workspace lock with crash recovery
# and a warning when the shared remote has newer commits (lock.state_change). Add new
# state-changing commands here, by their path without "lafast".
STATE_CHANGING = frozenset(
    {
        "org add", "org remove", "new", "save", "consult open", "consult close",
        "comments import", "comments reply", "decide", "consensus record", "merge", "render",
        "redline", "synopse", "signoff", "publish", "disposition import", "disposition export",
        "sync",
    }
)  # fmt: skip


class Command(click.Command):
    """A command; the state-changing ones run inside `lock.state_change` (one place for all)."""

    def invoke(self, ctx: click.Context) -> Any:
        names = []
        c: click.Context | None = ctx
        while c is not None and c.parent is not None:
            names.append(c.info_name or "")
            c = c.parent
        path = " ".join(reversed(names))
        if path not in STATE_CHANGING:
            return super().invoke(ctx)
        from lafast_docs.lock import state_change

        ws = _workspace(ctx)
        say = lambda m: click.echo(m, err=True)  # noqa: E731
        with state_change(ws.root, path, store=ws.store, say=say):
            if path != "sync":
                _warn_if_behind(ws)
            return super().invoke(ctx)


def _warn_if_behind(ws: Any) -> None:
    if not ws.config.remote:
        return
    from lafast_docs.sync import behind_remote

    if behind_remote(ws):
        click.echo(
            "Achtung: Im gemeinsamen Archiv gibt es neuere Änderungen von Kolleg*innen. Holen "
            "Sie sie bald mit „lafast sync“, sonst kann es beim Übertragen Konflikte geben.",
            err=True,
        )


class Group(click.Group):
    """Commands listed in workflow order, not alphabetically."""

    command_class = Command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def _workspace(ctx: click.Context) -> Any:
    from lafast_docs.config import find_workspace

    explicit = ctx.find_root().params.get("workspace")
    return find_workspace(explicit=Path(explicit) if explicit else None)


def _table(headers: list[str], rows: list[list[str]]) -> None:
    """A plain aligned table. (rich would add ~0.1 s to every start of `status` and `list`.)"""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    click.secho(line(headers), bold=True)
    click.echo("  ".join("─" * w for w in widths))
    for row in rows:
        click.echo(line(row))


def _json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group(cls=Group, context_settings=CONTEXT)
@click.option(
    "--workspace",
    "-w",
    metavar="ORDNER",
    type=click.Path(file_okay=False),
    help="Arbeitsbereich (Ordner mit lafast.yaml). Vorgabe: der aktuelle Ordner oder "
    "ein übergeordneter.",
)
@click.version_option(__version__, "--version", message="lafast %(version)s")
def cli(workspace: str | None) -> None:
    """lafast – Stellungnahmen und Fachstandards gemeinsam mit dem Arbeitsfeld erarbeiten.

    \b
    Einstieg:      lafast demo            (zeigt alles an Beispielen)
    Neu beginnen:  lafast init ORDNER     dann  lafast new fachstandard --title "…"
    """


# -- workspace ---------------------------------------------------------------------------------
@cli.command()
@click.argument("ordner", required=False, default=".", type=click.Path(file_okay=False))
@click.option("--name", default="", help="Name der Fachstelle für lafast.yaml.")
def init(ordner: str, name: str) -> None:
    """Neuen Arbeitsbereich anlegen (git-Repository mit lafast.yaml).

    \b
    Beispiel:  lafast init ~/fachstelle --name "Landesfachstelle FSA/MSA"
    """
    from lafast_docs.workspace import init_workspace

    ws = init_workspace(Path(ordner), name=name)
    click.echo(f"Arbeitsbereich angelegt: {ws.root}")
    click.echo(
        f"Als Nächstes: Angaben in {ws.config.path.name} prüfen, dann "
        '„lafast new fachstandard --title "…"“.'
    )


@cli.group(cls=Group)
def org() -> None:
    """Adressbuch der Träger und Gremien pflegen."""


@org.command("add")
@click.argument("kennung")
@click.option("--name", required=True, help="Voller Name der Organisation.")
@click.option(
    "--type",
    "org_type",
    required=True,
    type=click.Choice(["traeger", "gremium"]),
    help="traeger oder gremium.",
)
@click.option("--email", default="", help="E-Mail-Adresse für Einladungen.")
@click.option("--contact", default="", help="Ansprechperson.")
@click.pass_context
def org_add(
    ctx: click.Context, kennung: str, name: str, org_type: str, email: str, contact: str
) -> None:
    """Organisation ins Adressbuch aufnehmen.

    \b
    Beispiel:  lafast org add awo-sachsen --name "AWO Landesverband Sachsen e. V." \\
                 --type traeger --email migration@awo-sachsen.de --contact "Katrin Weber"
    """
    from lafast_docs.config import add_org

    o = add_org(_workspace(ctx), kennung, name=name, type=org_type, email=email, contact=contact)
    click.echo(f"Aufgenommen: {o.name} ({o.id})")


@org.command("list")
@click.option("--json", "as_json", is_flag=True, help="Ausgabe als JSON.")
@click.pass_context
def org_list(ctx: click.Context, as_json: bool) -> None:
    """Adressbuch anzeigen.

    \b
    Beispiel:  lafast org list
    """
    from lafast_docs.config import ORG_TYPE_NAMES

    orgs = _workspace(ctx).config.orgs
    if as_json:
        _json([o.__dict__ for o in orgs])
        return
    if not orgs:
        click.echo("Das Adressbuch ist leer. Aufnehmen mit „lafast org add …“.")
        return
    _table(
        ["Kennung", "Name", "Art", "E-Mail", "Ansprechperson"],
        [[o.id, o.name, ORG_TYPE_NAMES[o.type], o.email, o.contact] for o in orgs],
    )


@org.command("remove")
@click.argument("kennung")
@click.pass_context
def org_remove(ctx: click.Context, kennung: str) -> None:
    """Organisation aus dem Adressbuch entfernen.

    \b
    Beispiel:  lafast org remove drk-sachsen
    """
    from lafast_docs.config import remove_org

    o = remove_org(_workspace(ctx), kennung)
    click.echo(f"Entfernt: {o.name} ({o.id})")


# -- drafts ------------------------------------------------------------------------------------
@cli.command()
@click.argument("typ", type=click.Choice(["fachstandard", "stellungnahme"]))
@click.argument("kurzname", required=False)
@click.option("--title", "-t", required=True, help="Titel des Dokuments.")
@click.pass_context
def new(ctx: click.Context, typ: str, kurzname: str | None, title: str) -> None:
    """Neuen Entwurf aus der Vorlage anlegen.

    Ohne KURZNAME wird er aus dem Titel gebildet (Umlaute umschrieben).

    \b
    Beispiel:  lafast new fachstandard mindeststandards-fsa --title "Mindeststandards FSA"
    """
    from lafast_docs.drafts import new_draft

    d = new_draft(_workspace(ctx), typ, kurzname, title)
    click.echo(f"Angelegt: {d.path}")
    click.echo(f'Als Nächstes: Text bearbeiten, dann „lafast save {d.slug} -m "…"“.')


def _json_or_empty(rows: list[Any], as_json: bool) -> bool:
    """Print JSON, or the hint for an empty workspace; True when nothing more is to print."""
    if as_json:
        _json([r.as_dict() for r in rows])
        return True
    if not rows:
        click.echo("Noch keine Dokumente. Anlegen mit „lafast new fachstandard --title …“.")
        return True
    return False


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Ausgabe als JSON.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Alle Dokumente auflisten.

    \b
    Beispiel:  lafast list
    """
    from lafast_docs.status import document_status

    rows = document_status(_workspace(ctx), with_history=False)
    if _json_or_empty(rows, as_json):
        return
    _table(
        ["Kurzname", "Typ", "Titel", "Version"],
        [[r.slug, r.type_name, r.title or r.problem.splitlines()[0], r.version] for r in rows],
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Ausgabe als JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Stand aller Dokumente: Bearbeitungsstand, Version, letzte Änderung.

    \b
    Beispiel:  lafast status
    """
    from lafast_docs.status import document_status

    rows = document_status(_workspace(ctx))
    if _json_or_empty(rows, as_json):
        return
    table = []
    for r in rows:
        lc = r.last_change
        last = f"{lc.date:%d.%m.%Y %H:%M} ({lc.author})" if lc else "nie gespeichert"
        if r.unsaved:
            last += " – ungespeicherte Änderungen"
        table.append(
            [r.slug, r.type_name, r.state_name if not r.problem else "FEHLER", r.version, last]
        )
    _table(["Kurzname", "Typ", "Stand", "Version", "Letzte Änderung"], table)
    for r in rows:
        if r.problem:
            click.echo(r.problem, err=True)


@cli.command()
@click.argument("kurzname")
@click.option("--message", "-m", required=True, help="Was wurde geändert?")
@click.pass_context
def save(ctx: click.Context, kurzname: str, message: str) -> None:
    """Änderungen an einem Entwurf speichern (ein git-Commit).

    \b
    Beispiel:  lafast save mindeststandards-fsa -m "Abschnitt Datenschutz ergänzt"
    """
    from lafast_docs.drafts import save_draft

    sha = save_draft(_workspace(ctx), kurzname, message)
    click.echo(f"Gespeichert als {sha[:10]}." if sha else "Keine Änderungen – nichts gespeichert.")


@cli.command()
@click.argument("kurzname")
@click.pass_context
def log(ctx: click.Context, kurzname: str) -> None:
    """Versionsgeschichte eines Entwurfs.

    \b
    Beispiel:  lafast log mindeststandards-fsa
    """
    from lafast_docs.history import log as history_log

    commits = history_log(_workspace(ctx), kurzname)
    if not commits:
        click.echo("Noch nicht gespeichert.")
        return
    _table(
        ["Version", "Datum", "Von", "Beschreibung"],
        [[c.short, f"{c.date:%d.%m.%Y %H:%M}", c.author, c.subject] for c in commits],
    )


@cli.command()
@click.argument("kurzname")
@click.argument("version_a", required=False)
@click.argument("version_b", required=False)
@click.pass_context
def diff(ctx: click.Context, kurzname: str, version_a: str | None, version_b: str | None) -> None:
    """Änderungen zwischen zwei Versionen, nach Randnummern.

    Ohne Angaben: zuletzt gespeicherte Version gegen die Arbeitskopie. Versionen sind die
    Kennungen aus „lafast log“ (oder „arbeitskopie“).

    \b
    Beispiele:  lafast diff mindeststandards-fsa
                lafast diff mindeststandards-fsa 3f2a1c9 arbeitskopie
    """
    from lafast_docs.history import diff as history_diff

    a, b, changes = history_diff(_workspace(ctx), kurzname, version_a, version_b)
    if not changes:
        click.echo(f"Keine Änderungen am Text zwischen {a} und {b}.")
        return
    click.echo(f"Änderungen von {a} nach {b}: {len(changes)} Randnummer(n)\n")
    for ch in changes:
        ref = ch.new or ch.old
        assert ref is not None
        where = f"{ref.section_number} {ref.section_title}".strip()
        if ch.kind == "geaendert":
            head = (
                f"Rn. {ch.old.rn} → Rn. {ch.new.rn} geändert"
                if ch.old.rn != ch.new.rn
                else f"Rn. {ch.new.rn} geändert"
            )  # type: ignore[union-attr]
        elif ch.kind == "neu":
            head = f"Rn. {ref.rn} neu"
        else:
            head = f"Rn. {ref.rn} (alt) entfallen"
        click.secho(f"{head}  [{where}]" if where else head, bold=True)
        text = "".join(_word(op, t) for op, t in ch.words)
        click.echo("  " + text.replace("\n", "\n  ") + "\n")


def _word(op: str, text: str) -> str:
    if op == "=":
        return text
    color = sys.stdout.isatty()
    if op == "-":
        return click.style(f"[-{text}-]", fg="red") if color else f"[-{text}-]"
    return click.style(f"{{+{text}+}}", fg="green") if color else f"{{+{text}+}}"


# -- consultation -------------------------------------------------------------------------------
def _date(value: str, option: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"„{value}“ ist kein Datum; Form: JJJJ-MM-TT, z. B. 2026-12-15", param_hint=option
        ) from None


@cli.group(cls=Group)
def consult() -> None:
    """Beteiligungsrunden: eröffnen, Stand ansehen, schließen."""


@consult.command("open")
@click.argument("kurzname")
@click.option("--deadline", required=True, metavar="JJJJ-MM-TT", help="Frist für Rückmeldungen.")
@click.option(
    "--invite",
    required=True,
    metavar="ORG[,ORG…]",
    help="Eingeladene Organisationen (Kennungen aus dem Adressbuch) oder Gruppen: "
    "alle, alle-gremien, alle-traeger.",
)
@click.pass_context
def consult_open(ctx: click.Context, kurzname: str, deadline: str, invite: str) -> None:
    """Beteiligungsrunde eröffnen: Fassung einfrieren, Formulare erzeugen.

    \b
    Beispiel:  lafast consult open mindeststandards-fsa --deadline 2026-12-15 \\
                 --invite alle-gremien,awo-sachsen
    """
    from lafast_docs.rounds import open_round

    rnd = open_round(
        _workspace(ctx),
        kurzname,
        deadline=_date(deadline, "--deadline"),
        invite=invite.split(","),
        progress=lambda m: click.echo(m, err=True),
    )
    click.echo(
        f"{rnd.id} eröffnet: Fassung {rnd.commit[:10]} (Version {rnd.version}), "
        f"Markierung {rnd.tag}, Frist {rnd.deadline:%d.%m.%Y}."
    )
    click.echo(f"Formulare (DOCX, XLSX, YAML) je Organisation: {rnd.folder / 'formulare'}")
    click.echo(
        "Als Nächstes: Formulare verschicken; Antworten einlesen mit "
        "„lafast comments import DATEI…“."
    )


@consult.command("status")
@click.argument("kurzname")
@click.option("--round", "round_id", metavar="RUNDE", help="Runde (Vorgabe: die neueste).")
@click.option("--json", "as_json", is_flag=True, help="Ausgabe als JSON.")
@click.pass_context
def consult_status(ctx: click.Context, kurzname: str, round_id: str | None, as_json: bool) -> None:
    """Wer hat geantwortet, wer fehlt, was ist überfällig.

    \b
    Beispiel:  lafast consult status mindeststandards-fsa
    """
    _print_round_status(_workspace(ctx), kurzname, round_id, as_json=as_json)


def _print_round_status(ws: Any, kurzname: str, round_id: str | None, *, as_json: bool) -> None:
    from lafast_docs.rounds import round_status

    rnd, rows, overdue = round_status(ws, kurzname, round_id)
    if as_json:
        _json(
            {
                "runde": rnd.id,
                "frist": rnd.deadline.isoformat(),
                "offen": rnd.is_open,
                "ueberfaellig": overdue,
                "eingeladene": [
                    {
                        "org": r.org,
                        "name": r.name,
                        "rueckmeldungen": r.submissions,
                        "eingegangen": r.last_received or None,
                    }
                    for r in rows
                ],
            }
        )
        return
    state = "offen" if rnd.is_open else f"geschlossen am {rnd.closed:%d.%m.%Y}"
    click.echo(
        f"{rnd.id} zu {kurzname}: Version {rnd.version}, Frist {rnd.deadline:%d.%m.%Y}, {state}"
    )
    missing = "überfällig" if overdue else "fehlt noch"
    _table(
        ["Kennung", "Organisation", "Rückmeldungen", "Stand"],
        [
            [
                r.org,
                r.name,
                str(r.submissions),
                f"eingegangen {r.last_received[:10]}" if r.answered else missing,
            ]
            for r in rows
        ],
    )
    answered = sum(1 for r in rows if r.answered)
    click.echo(f"\n{answered} von {len(rows)} haben geantwortet.")


@consult.command("close")
@click.argument("kurzname")
@click.pass_context
def consult_close(ctx: click.Context, kurzname: str) -> None:
    """Beteiligungsrunde schließen (Stand wird „abstimmung“).

    \b
    Beispiel:  lafast consult close mindeststandards-fsa
    """
    from lafast_docs.rounds import close_round

    rnd = close_round(_workspace(ctx), kurzname)
    click.echo(f"{rnd.id} zu {kurzname} geschlossen.")


@cli.group(cls=Group)
def comments() -> None:
    """Rückmeldungen einlesen und ansehen."""


@comments.command("import")
@click.argument("dateien", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--from",
    "from_org",
    metavar="ORG",
    help="Absender, wenn die Datei es nicht selbst sagt (Kennung aus dem Adressbuch).",
)
@click.option("--round", "round_id", metavar="RUNDE", help="Runde (Vorgabe: die neueste).")
@click.option(
    "--document", metavar="KURZNAME", help="Dokument, wenn die Datei es nicht selbst sagt."
)
@click.pass_context
def comments_import(
    ctx: click.Context,
    dateien: tuple[str, ...],
    from_org: str | None,
    round_id: str | None,
    document: str | None,
) -> None:
    """Rückmeldungen einlesen: DOCX, XLSX, CSV, YAML oder E-Mail (.eml).

    \b
    Beispiele:  lafast comments import ~/Downloads/awo-rueckmeldung.docx
                lafast comments import tabelle.csv --from caritas-dresden \\
                  --document mindeststandards-fsa
    """
    from lafast_docs.comments.intake import import_files

    results = import_files(
        _workspace(ctx),
        [Path(d) for d in dateien],
        from_org=from_org,
        round_id=round_id,
        document=document,
    )
    for r in results:
        mark = {"importiert": "OK ", "bereits importiert": "== "}.get(r.status, "!! ")
        click.echo(f"{mark}{r.name}: {r.status} – {r.message}")
        if r.ids:
            click.echo(f"    Kennungen: {', '.join(r.ids)}")
        if r.stale:
            click.echo(f"    Nicht zuzuordnen (veraltet markiert): {', '.join(r.stale)}")
        for note in r.notes:
            if note:
                click.echo(f"    {note}")
    failed = [r for r in results if not r.ok]
    if failed:
        click.echo(f"\n{len(failed)} von {len(results)} Datei(en) nicht eingelesen.", err=True)
        ctx.exit(1)


@comments.command("list")
@click.argument("kurzname")
@click.option("--round", "round_id", metavar="RUNDE", help="Nur diese Runde.")
@click.option("--rn", type=int, help="Nur Anmerkungen zu dieser Randnummer.")
@click.option(
    "--kind",
    type=click.Choice(["grundsaetzlich", "inhaltlich", "redaktionell"]),
    help="Nur diese Art.",
)
@click.option("--org", metavar="ORG", help="Nur von dieser Organisation.")
@click.option(
    "--state",
    type=click.Choice(["exakt", "unscharf", "randnummer", "veraltet", "ohne"]),
    help="Nur mit diesem Zuordnungsstand.",
)
@click.option("--json", "as_json", is_flag=True, help="Ausgabe als JSON.")
@click.pass_context
def comments_list(
    ctx: click.Context,
    kurzname: str,
    round_id: str | None,
    rn: int | None,
    kind: str | None,
    org: str | None,
    state: str | None,
    as_json: bool,
) -> None:
    """Anmerkungen eines Dokuments auflisten (mit Filtern).

    \b
    Beispiel:  lafast comments list mindeststandards-fsa --rn 12 --kind inhaltlich
    """
    _print_comment_list(
        _workspace(ctx),
        kurzname,
        as_json=as_json,
        round_id=round_id,
        rn=rn,
        kind=kind,
        org=org,
        state=state,
    )


def _print_comment_list(ws: Any, kurzname: str, *, as_json: bool = False, **filters: Any) -> None:
    from lafast_docs.comments.views import list_comments

    rows = list_comments(ws, kurzname, **filters)
    if as_json:
        _json(rows)
        return
    if not rows:
        click.echo("Keine Anmerkungen gefunden.")
        return
    _table(
        ["Kennung", "Rn.", "Art", "Von", "Zuordnung", "Anmerkung / Vorschlag"],
        [
            [r["id"], str(r["rn"] or "–"), r["art"], r["org"], r["zuordnung"], r["kurz"]]
            for r in rows
        ],
    )


@comments.command("show")
@click.argument("kennung")
@click.pass_context
def comments_show(ctx: click.Context, kennung: str) -> None:
    """Eine Anmerkung ganz zeigen: Text, Vorschlag als Wortvergleich, Zusammenhang.

    \b
    Beispiel:  lafast comments show AWO-MF-003
    """
    from lafast_docs.comments.views import show_comment

    for line in show_comment(_workspace(ctx), kennung):
        if isinstance(line, list):
            click.echo("  " + "".join(_word(op, t) for op, t in line))
        else:
            click.echo(line)


# -- decisions, consensus, merge ------------------------------------------------------------------
@cli.command()
@click.argument("kennung")
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
@click.option("--reason", default="", help="Begründung (außer bei --accept Pflicht).")
@click.pass_context
def decide(
    ctx: click.Context,
    kennung: str,
    decision: str | None,
    duplicate_of: str | None,
    text: str,
    reason: str,
) -> None:
    """Über eine Anmerkung entscheiden (Abwägung); frühere Entscheidungen bleiben erhalten.

    \b
    Beispiele:  lafast decide AWO-MF-004 --accept
                lafast decide AWO-MF-002 --partly --text "in der Regel unbefristet" \\
                  --reason "Ausnahme für Projektförderung aufgenommen"
                lafast decide LAG-MF-002 --duplicate-of AWO-MF-001 --reason "gleicher Punkt"
    """
    from lafast_docs.disposition import decide as record_decision

    if duplicate_of:
        decision = "doppelung"
    if not decision:
        raise click.UsageError(
            "Geben Sie eine Entscheidung an: --accept, --partly, --reject, "
            "--defer, --noted, --withdrawn oder --duplicate-of."
        )
    d = record_decision(
        _workspace(ctx),
        kennung,
        decision,
        reason=reason,
        text=text,
        duplicate_of=duplicate_of or "",
    )
    click.echo(f"{d.comment_id}: {d.label}" + (f" – {d.reason}" if d.reason else ""))


@cli.group(cls=Group)
def consensus() -> None:
    """Konsens eines Gremiums festhalten."""


@consensus.command("record")
@click.argument("kurzname")
@click.option("--gremium", required=True, metavar="ORG", help="Kennung des Gremiums.")
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
    help="Alle angenommenen und teilweise angenommenen Anmerkungen bestätigen.",
)
@click.option("--note", default="", help="Bemerkung zum Beschluss.")
@click.pass_context
def consensus_record(
    ctx: click.Context,
    kurzname: str,
    gremium: str,
    date_: str,
    participants: str,
    confirms: tuple[str, ...],
    all_accepted: bool,
    note: str,
) -> None:
    """Beschluss eines Gremiums festhalten, der Entscheidungen bestätigt.

    \b
    Beispiel:  lafast consensus record mindeststandards-fsa --gremium lag-fsa-msa \\
                 --date 2026-12-10 --participants "S. Kaya, M. Albers" --all-accepted
    """
    from lafast_docs.consensus import record

    ids = [c for item in confirms for c in item.split(",")]
    rec = record(
        _workspace(ctx),
        kurzname,
        gremium=gremium,
        date=_date(date_, "--date"),
        participants=participants.split(","),
        confirms=ids,
        all_accepted=all_accepted,
        note=note,
    )
    click.echo(
        f"Konsens {rec.gremium} vom {rec.date:%d.%m.%Y}: {len(rec.confirms)} "
        f"Entscheidung(en) bestätigt ({', '.join(rec.confirms)})."
    )
    click.echo(f"Als Nächstes: lafast merge {kurzname} --dry-run")


@cli.command()
@click.argument("kurzname")
@click.option("--dry-run", is_flag=True, help="Nur zeigen, was sich ändern würde.")
@click.pass_context
def merge(ctx: click.Context, kurzname: str, dry_run: bool) -> None:
    """Angenommene Vorschläge mit Konsens in den Text übernehmen (neue Version).

    \b
    Beispiele:  lafast merge mindeststandards-fsa --dry-run
                lafast merge mindeststandards-fsa
    """
    from lafast_docs.history import word_diff
    from lafast_docs.merge import literal
    from lafast_docs.merge import merge as do_merge

    result = do_merge(_workspace(ctx), kurzname, dry_run=dry_run)
    for ch in result.changes:
        click.secho(
            f"{ch.comment_id} ({ch.org})"
            + (f" – Konsens {', '.join(ch.consensus)}" if ch.consensus else ""),
            bold=True,
        )
        click.echo("  " + "".join(_word(op, t) for op, t in word_diff(ch.old, literal(ch.new))))
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
    else:
        click.echo(
            f"\nVersion {result.version_to} gespeichert ({result.commit[:10]}): "
            f"{len(result.changes)} Änderung(en) übernommen."
        )
    if result.refused:
        ctx.exit(1)


@cli.command()
@click.argument("kurzname")
@click.argument("version_a")
@click.argument("version_b", required=False, default="arbeitskopie")
@click.option(
    "--format",
    "-f",
    "formats",
    default="pdf,docx,html",
    show_default=True,
    help="Formate, mit Komma getrennt: pdf, docx, html.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    help="Zielordner. Vorgabe: build/KURZNAME im Arbeitsbereich.",
)
@click.pass_context
def redline(
    ctx: click.Context, kurzname: str, version_a: str, version_b: str, formats: str, out: str | None
) -> None:
    """Änderungsfassung: Wort für Wort, was sich zwischen zwei Versionen geändert hat.

    In der Word-Datei sind die Änderungen echte „nachverfolgte Änderungen“.

    \b
    Beispiel:  lafast redline mindeststandards-fsa lafast/mindeststandards-fsa/runde-1 HEAD
    """
    from lafast_docs.redline import redline as make_redline
    from lafast_docs.render import parse_formats

    for o in make_redline(
        _workspace(ctx),
        kurzname,
        version_a,
        version_b,
        formats=parse_formats(formats),
        out_dir=Path(out) if out else None,
    ):
        click.echo(f"{o.format.upper():5} {o.path}")


@cli.command()
@click.argument("kurzname")
@click.argument("version_a")
@click.argument("version_b", required=False, default="arbeitskopie")
@click.option(
    "--format",
    "-f",
    "formats",
    default="pdf,docx,xlsx",
    show_default=True,
    help="Formate, mit Komma getrennt: pdf, docx, xlsx.",
)
@click.option(
    "--public",
    is_flag=True,
    help="Fassung zur Veröffentlichung: Rückmeldungen mit Einwilligung „intern“ "
    "werden weggelassen.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    help="Zielordner. Vorgabe: build/KURZNAME im Arbeitsbereich.",
)
@click.pass_context
def synopse(
    ctx: click.Context,
    kurzname: str,
    version_a: str,
    version_b: str,
    formats: str,
    public: bool,
    out: str | None,
) -> None:
    """Synopse: bisheriger Text, Rückmeldungen, Abwägung und neuer Text je Randnummer.

    \b
    Beispiel:  lafast synopse mindeststandards-fsa lafast/mindeststandards-fsa/runde-1 HEAD
    """
    from lafast_docs.synopse import SYNOPSE_FORMATS
    from lafast_docs.synopse import synopse as make_synopse

    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    unknown = [f for f in wanted if f not in SYNOPSE_FORMATS]
    if unknown or not wanted:
        raise click.BadParameter(
            f"möglich sind {', '.join(SYNOPSE_FORMATS)}", param_hint="--format"
        )
    for o in make_synopse(
        _workspace(ctx),
        kurzname,
        version_a,
        version_b,
        formats=wanted,
        out_dir=Path(out) if out else None,
        public=public,
    ):
        click.echo(f"{o.format.upper():5} {o.path}")


# -- outputs -----------------------------------------------------------------------------------
@cli.command()
@click.argument("kurzname")
@click.option(
    "--format",
    "-f",
    "formats",
    default="pdf,docx,html",
    show_default=True,
    help="Formate, mit Komma getrennt: pdf, docx, html.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    help="Zielordner. Vorgabe: build/KURZNAME im Arbeitsbereich.",
)
@click.option("--force", is_flag=True, help="Neu erzeugen, auch wenn sich nichts geändert hat.")
@click.pass_context
def render(ctx: click.Context, kurzname: str, formats: str, out: str | None, force: bool) -> None:
    """PDF (barrierefrei), DOCX und HTML eines Entwurfs erzeugen.

    \b
    Beispiele:  lafast render mindeststandards-fsa
                lafast render mindeststandards-fsa --format pdf --out ~/Schreibtisch
    """
    from lafast_docs.render import parse_formats
    from lafast_docs.render import render as do_render

    outputs = do_render(
        _workspace(ctx),
        kurzname,
        formats=parse_formats(formats),
        out_dir=Path(out) if out else None,
        force=force,
    )
    for o in outputs:
        note = " (unverändert, nicht neu erzeugt)" if o.cached else ""
        click.echo(f"{o.format.upper():5} {o.path}{note}")


@cli.command()
@click.argument("ordner", required=False, default="lafast-demo", type=click.Path(file_okay=False))
def demo(ordner: str) -> None:
    """Alles an Beispielen zeigen: Arbeitsbereich anlegen, Entwürfe setzen.

    Legt ORDNER (Vorgabe: ./lafast-demo) an; ein Ordner aus einer früheren Demo wird ersetzt.

    \b
    Beispiel:  lafast demo ~/lafast-demo
    """
    from lafast_docs.demo import run_demo

    result = run_demo(Path(ordner), progress=lambda m: click.echo(m, err=True))
    click.echo(f"\nDemo fertig. Arbeitsbereich: {result.workspace.root}")
    for slug, outputs in result.outputs.items():
        click.echo(f"\n{slug}:")
        for o in outputs:
            click.echo(f"  {o.format.upper():5} {o.path}")
    if result.consulted:
        click.echo(
            f"\nBeteiligungsrunde zu {result.consulted} – eingelesene Rückmeldungen "
            f"(Dateien in {result.workspace.build_dir / 'demo-eingang'}):"
        )
        for r in result.imports:
            click.echo(f"  {r.name}: {r.status} – {r.message}")
        click.echo("\n$ lafast consult status " + result.consulted)
        _print_round_status(result.workspace, result.consulted, None, as_json=False)
        click.echo("\n$ lafast comments list " + result.consulted)
        _print_comment_list(result.workspace, result.consulted)
    if result.merge is not None:
        m = result.merge
        click.echo(
            f"\nAbwägung, Konsens der LAG und Übernahme: Version {m.version_from} → "
            f"{m.version_to}, {len(m.changes)} Änderung(en) übernommen "
            f"({', '.join(ch.comment_id for ch in m.changes)}); "
            f"{len(m.refused)} nicht übernommen, {len(m.not_textual)} ohne Textvorschlag."
        )
    click.echo("\nÖffnen Sie die PDF-Dateien im PDF-Programm, die HTML-Dateien im Browser.")


# -- sharing -----------------------------------------------------------------------------------
@cli.command()
@click.pass_context
def sync(ctx: click.Context) -> None:
    """Mit dem gemeinsamen Archiv abgleichen: holen, eigene Fassungen anfügen, übertragen.

    Das Archiv steht in lafast.yaml unter „remote“. Haben zwei Personen dieselbe Textstelle
    geändert, bricht lafast ab, ohne etwas zu verändern, und erklärt, was zu tun ist.

    \b
    Beispiel:  lafast sync
    """
    from lafast_docs.sync import sync as run_sync

    r = run_sync(_workspace(ctx))
    if not r.pulled and not r.pushed:
        click.echo(f"Alles aktuell: Ihr Arbeitsbereich und {r.remote} sind gleich.")
        return
    click.echo(f"Abgeglichen mit {r.remote}: {r.pulled} Fassung(en) geholt, {r.pushed} übertragen.")
    for path in r.joined:
        click.echo(f"  Entscheidungen beider Seiten zusammengeführt: {path}")


# -- entry point -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    """Run the CLI; one place turns errors into German messages and exit codes."""
    try:
        code = cli.main(args=argv, prog_name="lafast", standalone_mode=False)
        if isinstance(code, int) and code:  # ctx.exit(n) returns n without standalone mode
            sys.exit(code)
    except LafastError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Abgebrochen.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("\nAbgebrochen.", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the details for the report
        import traceback

        click.echo(
            "Interner Fehler in lafast – das ist ein Programmfehler, nicht Ihrer.\n"
            "Bitte melden Sie ihn mit der folgenden Ausgabe:\n",
            err=True,
        )
        traceback.print_exception(exc, file=sys.stderr)
        sys.exit(70)
