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

from lafast_docs import __version__
from lafast_docs.cli import messages_de
from lafast_docs.errors import LafastError

for _mod in ("core", "exceptions", "formatting", "decorators", "parser", "types", "termui"):
    _m = sys.modules.get(f"click.{_mod}")
    if _m is not None and hasattr(_m, "_"):
        _m._ = messages_de.translate  # type: ignore[attr-defined]
    if _m is not None and hasattr(_m, "ngettext"):
        _m.ngettext = messages_de.ntranslate  # type: ignore[attr-defined]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# `lafast --help` lists the commands by stage of the workflow
STAGES = (
    ("Einrichten", ("init", "org", "doctor", "completion")),
    ("Schreiben", ("new", "list", "status", "save", "log", "diff", "check", "render")),
    ("Beteiligung", ("consult", "comments")),
    ("Abwägung und Konsens", ("decide", "disposition", "consensus", "merge", "blame")),
    ("Vergleichen", ("synopse", "redline")),
    ("Freigabe und Veröffentlichung", ("signoff", "publish", "verify")),
    ("Im Team", ("sync",)),
    ("Ausprobieren", ("demo",)),
)
# one line per command in `lafast --help` (the first sentence of the help is often longer)
SHORT_HELP = {
    "doctor": "Computer und Arbeitsbereich prüfen, jeder Befund mit Abhilfe.",
    "completion": "Ergänzung mit der Tabulatortaste einrichten (bash, zsh).",
    "status": "Stand aller Dokumente: Version, Freigaben, letzte Änderung.",
    "check": "Barrierefreiheit des Textes prüfen.",
    "render": "PDF, DOCX und HTML erzeugen (auch endgültig und signiert).",
    "decide": "Über eine Anmerkung entscheiden (Abwägung).",
    "merge": "Angenommene Vorschläge mit Konsens übernehmen (neue Version).",
    "blame": "Herkunft eines Absatzes: Änderungen, Anmerkungen, Konsens.",
    "synopse": "Synopse: alter Text, Rückmeldungen, Abwägung, neuer Text.",
    "redline": "Änderungsfassung zwischen zwei Versionen.",
    "signoff": "Fassung freigeben oder den Stand der Freigaben zeigen.",
    "publish": "Freigegebene Fassung auf der Website veröffentlichen.",
    "verify": "Prüfen, ob eine Datei die freigegebene Fassung ist.",
    "sync": "Mit dem gemeinsamen Archiv abgleichen (holen, übertragen).",
    "demo": "Alles an Beispielen vorführen.",
}
# Commands that write files or commits: each runs under the workspace lock with crash recovery
# and a warning when the shared remote has newer commits (lock.state_change). Add new
# state-changing commands here, by their path without "lafast".
STATE_CHANGING = frozenset(
    {
        "org add", "org remove", "new", "save", "consult open", "consult close",
        "comments import", "comments reply", "decide", "consensus record", "merge", "render",
        "redline", "synopse", "signoff erteilen", "publish", "disposition import",
        "disposition export",
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
        from lafast_docs.storage.lock import state_change

        ws = _workspace(ctx)
        say = lambda m: click.echo(m, err=True)  # noqa: E731
        with state_change(ws.root, path, store=ws.store, say=say):
            if path != "sync":
                _warn_if_behind(ws)
            return super().invoke(ctx)


def _warn_if_behind(ws: Any) -> None:
    if not ws.config.remote:
        return
    from lafast_docs.team.sync import behind_remote

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

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("options_metavar", "[OPTIONEN]")
        return super().command(*args, **kwargs)

    def group(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("options_metavar", "[OPTIONEN]")
        kwargs.setdefault("subcommand_metavar", "BEFEHL [ARGUMENTE]...")
        return super().group(*args, **kwargs)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if ctx.parent is not None:  # sub-groups: one plain list
            super().format_commands(ctx, formatter)
            return
        width = formatter.width - 6 - max(len(n) for n in self.commands)
        placed: set[str] = set()
        for title, names in (*STAGES, ("Weitere", tuple(self.commands))):
            rows = [
                (n, self.commands[n].get_short_help_str(width))
                for n in names
                if n in self.commands and n not in placed and not self.commands[n].hidden
            ]
            placed.update(n for n, _h in rows)
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def _interactive() -> bool:
    """Hints and progress only for a person at a terminal, never into pipes or scripts."""
    import os

    return sys.stderr.isatty() and not os.environ.get("LAFAST_QUIET")


class _progress:
    """A progress bar on stderr for work on several items, only at a terminal; a no-op
    otherwise. Used as `with _progress(n, label) as step: … step() …`."""

    def __init__(self, total: int, label: str) -> None:
        self.bar = (
            click.progressbar(length=total, label=label, file=sys.stderr)
            if total > 1 and _interactive()
            else None
        )

    def __enter__(self) -> Any:
        if self.bar is None:
            return lambda: None
        bar = self.bar.__enter__()
        return lambda: bar.update(1)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _hint(text: str) -> None:
    """One line on what usually comes next (to stderr, so piped output stays clean)."""
    if _interactive():
        click.echo(click.style("Als Nächstes: ", bold=True) + text, err=True)


def _workspace(ctx: click.Context) -> Any:
    from lafast_docs.workspace import find_workspace

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


@click.group(
    cls=Group,
    context_settings=CONTEXT,
    options_metavar="[OPTIONEN]",
    subcommand_metavar="BEFEHL [ARGUMENTE]...",
)
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
    from lafast_docs.workspace.create import init_workspace

    ws = init_workspace(Path(ordner), name=name)
    click.echo(f"Arbeitsbereich angelegt: {ws.root}")
    _hint(
        f"Angaben in {ws.config.path.name} prüfen (lafast doctor), dann "
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
    from lafast_docs.workspace.addressbook import add_org

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
    from lafast_docs.workspace.config import ORG_TYPE_NAMES

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
    from lafast_docs.workspace.addressbook import remove_org

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
    from lafast_docs.text.drafts import new_draft

    d = new_draft(_workspace(ctx), typ, kurzname, title)
    click.echo(f"Angelegt: {d.path}")
    _hint(f'Text bearbeiten, dann „lafast save {d.slug} -m "…"“.')


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
    from lafast_docs.office.status import document_status

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
    from lafast_docs.office.status import document_status

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
            [
                r.slug,
                r.type_name,
                r.state_name if not r.problem else "FEHLER",
                r.version,
                r.signoffs or "–",
                last,
            ]
        )
    _table(["Kurzname", "Typ", "Stand", "Version", "Freigaben", "Letzte Änderung"], table)
    for r in rows:
        if r.problem:
            click.echo(r.problem, err=True)
        for note in r.signoff_notes:
            click.echo(f"{r.slug}: Freigabe ungültig – {note}")


@cli.command()
@click.argument("kurzname")
@click.option("--message", "-m", required=True, help="Was wurde geändert?")
@click.pass_context
def save(ctx: click.Context, kurzname: str, message: str) -> None:
    """Änderungen an einem Entwurf speichern (ein git-Commit).

    \b
    Beispiel:  lafast save mindeststandards-fsa -m "Abschnitt Datenschutz ergänzt"
    """
    from lafast_docs.text.drafts import save_draft

    sha = save_draft(_workspace(ctx), kurzname, message)
    click.echo(f"Gespeichert als {sha[:10]}." if sha else "Keine Änderungen – nichts gespeichert.")
    if sha:
        _hint(
            f"„lafast render {kurzname}“ zum Ansehen, oder „lafast consult open {kurzname} "
            "--deadline JJJJ-MM-TT --invite alle“ für eine Beteiligungsrunde."
        )


@cli.command()
@click.argument("kurzname")
@click.pass_context
def log(ctx: click.Context, kurzname: str) -> None:
    """Versionsgeschichte eines Entwurfs.

    \b
    Beispiel:  lafast log mindeststandards-fsa
    """
    from lafast_docs.text.history import log as history_log

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
    from lafast_docs.text.history import diff as history_diff

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
    from lafast_docs.consultation.rounds import open_round

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
    _hint(
        "Jeder Organisation ihre drei Formulare aus ihrem Unterordner schicken (DOCX für Word, "
        "XLSX für Excel, YAML); Antworten einlesen mit „lafast comments import DATEI…“."
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
    from lafast_docs.consultation.rounds import round_status

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
    from lafast_docs.consultation.rounds import close_round

    rnd = close_round(_workspace(ctx), kurzname)
    click.echo(f"{rnd.id} zu {kurzname} geschlossen.")
    _hint(
        f"über jede Anmerkung entscheiden: „lafast disposition export {kurzname}“ für die "
        "Sitzung oder einzeln mit „lafast decide KENNUNG …“."
    )


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
    from lafast_docs.consultation.intake.importer import import_files

    paths = [Path(d) for d in dateien]
    with _progress(len(paths), "Lese Rückmeldungen ein") as step:
        results = import_files(
            _workspace(ctx),
            paths,
            from_org=from_org,
            round_id=round_id,
            document=document,
            progress=lambda _p: step(),
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
    if len(failed) < len(results):
        _hint(
            "„lafast consult status KURZNAME“ zeigt, wer noch fehlt, "
            "„lafast comments list KURZNAME“ die Anmerkungen."
        )
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
    from lafast_docs.consultation.views import list_comments

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


@comments.command("reply")
@click.argument("kurzname")
@click.option("--round", "round_id", metavar="RUNDE", help="Runde (Vorgabe: die neueste).")
@click.option("--to", "to", metavar="ORG", help="Nur für diese Organisation.")
@click.option(
    "--format",
    "-f",
    "formats",
    default="pdf,docx",
    show_default=True,
    help="Formate, mit Komma getrennt: pdf, docx.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    help="Zielordner. Vorgabe: build/KURZNAME/antworten-runde-N.",
)
@click.pass_context
def comments_reply(
    ctx: click.Context,
    kurzname: str,
    round_id: str | None,
    to: str | None,
    formats: str,
    out: str | None,
) -> None:
    """Antwortschreiben: jeder Organisation, wie über ihre Anmerkungen entschieden wurde.

    \b
    Beispiele:  lafast comments reply mindeststandards-fsa
                lafast comments reply mindeststandards-fsa --round 1 --to awo-sachsen
    """
    from lafast_docs.outputs.replies import REPLY, reply
    from lafast_docs.render.pipeline import parse_formats

    replies = reply(
        _workspace(ctx),
        kurzname,
        round_id=round_id,
        to=to,
        formats=parse_formats(formats, REPLY),
        out_dir=Path(out) if out else None,
    )
    for r in replies:
        note = f" ({r.open} noch offen)" if r.open else ""
        click.echo(f"{r.org}: {len(r.lines)} Anmerkung(en){note}")
        for o in r.outputs:
            click.echo(f"  {o.format.upper():5} {o.path}")
    if any(r.open for r in replies):
        click.echo("Hinweis: Offene Anmerkungen entscheiden mit „lafast decide KENNUNG …“.")
    _hint("Die Schreiben per E-Mail an die Organisationen schicken.")


@comments.command("show")
@click.argument("kennung")
@click.pass_context
def comments_show(ctx: click.Context, kennung: str) -> None:
    """Eine Anmerkung ganz zeigen: Text, Vorschlag als Wortvergleich, Zusammenhang.

    \b
    Beispiel:  lafast comments show AWO-MF-003
    """
    from lafast_docs.consultation.views import show_comment

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
    from lafast_docs.decisions.disposition import decide as record_decision

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
    _hint(
        "die nächste Anmerkung entscheiden; sind alle entschieden, den Beschluss des Gremiums "
        "festhalten: „lafast consensus record KURZNAME --gremium …“."
    )


@cli.group(cls=Group)
def disposition() -> None:
    """Abwägungstabelle für Sitzungen: ausgeben, ausfüllen, einlesen."""


@disposition.command("export")
@click.argument("kurzname")
@click.option("--round", "round_id", metavar="RUNDE", help="Runde (Vorgabe: die neueste).")
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
@click.pass_context
def disposition_export(
    ctx: click.Context, kurzname: str, round_id: str | None, fmt: str, output: str | None
) -> None:
    """Alle Anmerkungen einer Runde mit ihrer Entscheidung als Tabelle ausgeben.

    In der Tabelle sind nur die Spalten Entscheidung, Begründung, Übernommene Formulierung
    und Doppelung von auszufüllen. Eine YAML-Datei, die schon existiert, wird aktualisiert;
    eigene #-Notizen darin bleiben erhalten.

    \b
    Beispiele:  lafast disposition export mindeststandards-fsa
                lafast disposition export mindeststandards-fsa --format yaml -o sitzung.yaml
    """
    from lafast_docs.decisions.sheet import export

    path, n = export(
        _workspace(ctx),
        kurzname,
        round_id=round_id,
        fmt=fmt,
        target=Path(output) if output else None,
    )
    click.echo(f"{n} Anmerkungen in {path}")
    _hint(f"in der Sitzung ausfüllen, dann „lafast disposition import {path}“.")


@disposition.command("import")
@click.argument("datei", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Nur prüfen und zeigen, nichts speichern.")
@click.pass_context
def disposition_import(ctx: click.Context, datei: str, dry_run: bool) -> None:
    """Eine ausgefüllte Abwägungstabelle (XLSX oder YAML) einlesen.

    Alle Zeilen werden zuerst geprüft; bei einem Fehler wird nichts übernommen. Nur
    geänderte Entscheidungen werden gespeichert, frühere bleiben in der Geschichte.

    \b
    Beispiel:  lafast disposition import build/mindeststandards-fsa/abwaegung-…-runde-1.xlsx
    """
    from lafast_docs.decisions.sheetimport import import_sheet

    result = import_sheet(_workspace(ctx), Path(datei), dry_run=dry_run)
    for d in result.recorded:
        click.echo(f"{d.comment_id}: {d.label}" + (f" – {d.reason}" if d.reason else ""))
    verb = "würden gespeichert" if dry_run else "gespeichert"
    click.echo(
        f"{result.slug}, {result.round_id}: {len(result.recorded)} Entscheidung(en) {verb}, "
        f"{result.unchanged} unverändert, {result.open} noch offen."
    )
    if not dry_run:
        _hint(f"den Beschluss festhalten: „lafast consensus record {result.slug} --gremium …“.")


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
    from lafast_docs.decisions.consensus import record

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
    _hint(f"„lafast merge {kurzname} --dry-run“ zeigt, was übernommen würde.")


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
    from lafast_docs.decisions.merge import literal
    from lafast_docs.decisions.merge import merge as do_merge
    from lafast_docs.text.history import word_diff

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
        _hint(f"„lafast merge {kurzname}“ (ohne --dry-run) speichert die neue Version.")
    else:
        click.echo(
            f"\nVersion {result.version_to} gespeichert ({result.commit[:10]}): "
            f"{len(result.changes)} Änderung(en) übernommen."
        )
        _hint(
            f"„lafast synopse {kurzname} lafast/{kurzname}/runde-N HEAD“ für das Gremium und "
            f"„lafast comments reply {kurzname}“ für die Antwortschreiben."
        )
    if result.refused:
        ctx.exit(1)


@cli.command()
@click.argument("kurzname")
@click.option("--rn", type=int, required=True, help="Randnummer im aktuellen Text.")
@click.option("--json", "as_json", is_flag=True, help="Ausgabe als JSON.")
@click.pass_context
def blame(ctx: click.Context, kurzname: str, rn: int, as_json: bool) -> None:
    """Herkunft eines Absatzes: Änderungen, Anmerkungen, Entscheidungen und Konsens.

    \b
    Beispiel:  lafast blame mindeststandards-fsa --rn 100
    """
    from lafast_docs.decisions.provenance import trace

    t = trace(_workspace(ctx), kurzname, rn)
    if as_json:
        _json(t.as_data())
        return
    where = f", Abschnitt {t.block.section_number}" if t.block.section_number else ""
    click.secho(f"Rn. {t.rn}{where}", bold=True)
    click.echo(f"  „{t.block.text}“\n")
    click.secho("Geschichte (neueste zuerst):", bold=True)
    names = {"geaendert": "geändert", "angelegt": "angelegt", "eingefuegt": "eingefügt"}
    for e in t.events:
        if e.kind == "ungespeichert":
            click.echo("  nicht gespeicherte Änderung in der Arbeitskopie")
        else:
            click.echo(f"  {e.date}  {e.sha[:10]}  {e.author}: {e.subject} ({names[e.kind]})")
        if e.kind != "angelegt":
            click.echo("    " + "".join(_word(op, text) for op, text in e.words))
        if e.comment_ids:
            click.echo(f"    umgesetzt: {', '.join(e.comment_ids)}")
    if not t.events:
        click.echo("  (noch nicht gespeichert)")
    click.secho("\nAnmerkungen zu diesem Absatz:", bold=True)
    for c in t.comments:
        rn_note = f", dort Rn. {c.rn}" if c.rn else ""
        click.echo(f"  {c.id} ({c.org}, {c.kind}; {c.round}{rn_note}): {c.text}")
        for d in c.decisions:
            click.echo(
                f"    {d.at[:10]} {d.label}" + (f" – {d.reason}" if d.reason else "") + f" ({d.by})"
            )
        for k in c.consensus:
            click.echo(f"    Konsens: {k}")
        if c.merged_in:
            click.echo(f"    übernommen mit {c.merged_in}")
    if not t.comments:
        click.echo("  keine")


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
    from lafast_docs.outputs.redline import REDLINE
    from lafast_docs.outputs.redline import redline as make_redline
    from lafast_docs.render.pipeline import parse_formats

    for o in make_redline(
        _workspace(ctx),
        kurzname,
        version_a,
        version_b,
        formats=parse_formats(formats, REDLINE),
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
    from lafast_docs.outputs.synopse import SYNOPSE
    from lafast_docs.outputs.synopse import synopse as make_synopse
    from lafast_docs.render.pipeline import parse_formats

    for o in make_synopse(
        _workspace(ctx),
        kurzname,
        version_a,
        version_b,
        formats=parse_formats(formats, SYNOPSE),
        out_dir=Path(out) if out else None,
        public=public,
    ):
        click.echo(f"{o.format.upper():5} {o.path}")


# -- outputs -----------------------------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Ausgabe als JSON.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Prüfen, ob Computer und Arbeitsbereich bereit sind; jeder Befund mit Abhilfe.

    \b
    Beispiel:  lafast doctor
    """
    from lafast_docs.errors import LafastError
    from lafast_docs.office.doctor import ERROR, NOTE, diagnose

    try:
        ws, problem = _workspace(ctx), ""
    except LafastError as exc:
        ws, problem = None, exc.message
    findings = diagnose(ws, workspace_error=problem)
    if as_json:
        _json([f.as_data() for f in findings])
    else:
        marks = {ERROR: ("FEHLER ", "red"), NOTE: ("Hinweis", "yellow")}
        for f in findings:
            mark, colour = marks.get(f.status, ("ok     ", "green"))
            click.echo(click.style(mark, fg=colour, bold=True) + f"  {f.topic}: {f.detail}")
            if f.fix:
                click.echo(f"           Was tun: {f.fix}")
        errors = sum(f.status == ERROR for f in findings)
        click.echo(f"\n{errors} Fehler gefunden." if errors else "\nAlles bereit.")
    if any(f.status == ERROR for f in findings):
        ctx.exit(1)


@cli.command()
@click.argument("kurzname")
@click.option("--json", "as_json", is_flag=True, help="Ausgabe als JSON.")
@click.pass_context
def check(ctx: click.Context, kurzname: str, as_json: bool) -> None:
    """Barrierefreiheit prüfen: Bilder ohne Alternativtext, übersprungene Überschriften,
    leere oder nichtssagende Verweise, Tabellen ohne Kopfzeile.

    Endgültige Fassungen (render --final) werden nur ohne solche Befunde erzeugt.

    \b
    Beispiel:  lafast check mindeststandards-fsa
    """
    from lafast_docs.text.accessibility import check as find
    from lafast_docs.text.drafts import load_draft

    problems = find(load_draft(_workspace(ctx), kurzname))
    if as_json:
        _json([{"datei": str(p.path), "zeile": p.line, "befund": p.message} for p in problems])
    elif not problems:
        click.echo(f"{kurzname}: keine Befunde zur Barrierefreiheit.")
    else:
        click.echo(f"{kurzname}: {len(problems)} Befund(e) zur Barrierefreiheit:")
        for p in problems:
            click.echo(f"  {p.location()}: {p.message}")
    if problems:
        ctx.exit(1)


@cli.command()
@click.argument("kurzname", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Alle Entwürfe des Arbeitsbereichs.")
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
@click.option(
    "--final",
    is_flag=True,
    help="Endgültige, freigegebene Fassung (mit Freigabe-Block, "
    "signiert); nur mit gültigen Freigaben.",
)
@click.option("--archive", is_flag=True, help="Mit --final: zusätzlich eine Archiv-PDF (PDF/A-3a).")
@click.pass_context
def render(
    ctx: click.Context,
    kurzname: tuple[str, ...],
    all_: bool,
    formats: str,
    out: str | None,
    force: bool,
    final: bool,
    archive: bool,
) -> None:
    """PDF (barrierefrei), DOCX und HTML eines oder mehrerer Entwürfe erzeugen.

    \b
    Beispiele:  lafast render mindeststandards-fsa
                lafast render mindeststandards-fsa --format pdf --out ~/Schreibtisch
                lafast render --all
                lafast render mindeststandards-fsa --final --archive
    """
    if all_ == bool(kurzname):
        raise click.UsageError("Geben Sie einen oder mehrere KURZNAMEN an oder --all.")
    if all_:
        found = _workspace(ctx).drafts_dir.glob("*/document.md")
        kurzname = tuple(sorted(p.parent.name for p in found))
    if final or archive:
        if not final:
            raise click.UsageError("--archive gibt es nur zusammen mit --final.")
        for slug in kurzname:
            _render_final(ctx, slug, formats, out, archive, force)
        return
    from lafast_docs.outputs.document import DOCUMENT
    from lafast_docs.outputs.document import render as do_render
    from lafast_docs.render.pipeline import parse_formats

    wanted = parse_formats(formats, DOCUMENT)
    ws = _workspace(ctx)
    with _progress(len(kurzname), "Erzeuge Dokumente") as step:
        for slug in kurzname:
            outputs = do_render(
                ws, slug, formats=wanted, out_dir=Path(out) if out else None, force=force
            )
            for o in outputs:
                note = " (unverändert, nicht neu erzeugt)" if o.cached else ""
                click.echo(f"{o.format.upper():5} {o.path}{note}")
            step()
    _hint(f"„lafast check {kurzname[0]}“ prüft die Barrierefreiheit des Textes.")


@cli.command()
@click.argument("ordner", required=False, default="lafast-demo", type=click.Path(file_okay=False))
def demo(ordner: str) -> None:
    """Alles an Beispielen zeigen: Arbeitsbereich anlegen, Entwürfe setzen.

    Legt ORDNER (Vorgabe: ./lafast-demo) an; ein Ordner aus einer früheren Demo wird ersetzt.

    \b
    Beispiel:  lafast demo ~/lafast-demo
    """
    from lafast_docs.office.demo import run_demo

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
    _print_demo_publication(result)
    click.echo("\nÖffnen Sie die PDF-Dateien im PDF-Programm, die HTML-Dateien im Browser.")


# -- shell completion --------------------------------------------------------------------------
@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh"]))
def completion(shell: str) -> None:
    """Befehlsergänzung mit der Tabulatortaste einrichten (auch für Kurznamen und Kennungen).

    \b
    Beispiele:  lafast completion bash >> ~/.bashrc
                lafast completion zsh >> ~/.zshrc
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None  # bash and zsh ship with click
    click.echo(cls(cli, {}, "lafast", "_LAFAST_COMPLETE").source())


def _complete_slugs(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    try:
        drafts = _workspace(ctx).drafts_dir
        return sorted(
            p.parent.name
            for p in drafts.glob("*/document.md")
            if p.parent.name.startswith(incomplete)
        )
    except Exception:  # completion must never fail loudly
        return []


def _complete_comment_ids(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[str]:
    try:
        from lafast_docs.consultation.submissions import iter_comments

        ids = {c["id"] for _s, c in iter_comments(_workspace(ctx))}
        return sorted(i for i in ids if i.startswith(incomplete.upper()))
    except Exception:  # completion must never fail loudly
        return []


def _complete_orgs(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    try:
        orgs = _workspace(ctx).config.orgs
        return sorted(o.id for o in orgs if o.id.startswith(incomplete))
    except Exception:  # completion must never fail loudly
        return []


def _attach_completion(group: click.Group, path: str = "") -> None:
    """Every KURZNAME argument completes slugs, KENNUNG comment ids (organisation ids under
    `org`), --to/--org/--gremium organisation ids: also for commands added later."""
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            _attach_completion(cmd, f"{path}{name} ")
            continue
        for param in cmd.params:
            if param.name == "kurzname":
                param._custom_shell_complete = _complete_slugs  # type: ignore[attr-defined]
            elif param.name == "kennung":
                complete = _complete_orgs if path == "org " else _complete_comment_ids
                param._custom_shell_complete = complete  # type: ignore[attr-defined]
            elif param.name in ("to", "org", "gremium", "from_org"):
                param._custom_shell_complete = _complete_orgs  # type: ignore[attr-defined]


# -- sign-off, final versions, publishing, verification ----------------------------------------
class _SignoffGroup(Group):
    """`lafast signoff SLUG --as ROLE` and `lafast signoff status SLUG` side by side."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["erteilen", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=_SignoffGroup)
def signoff() -> None:
    """Freigabe: eine gespeicherte Fassung freigeben oder den Stand der Freigaben zeigen.

    \b
    Beispiele:  lafast signoff mindeststandards-fsa --as leitung --note "Vorstand 2.12."
                lafast signoff status mindeststandards-fsa
    """


@signoff.command("erteilen")
@click.argument("kurzname")
@click.option("--as", "role", required=True, metavar="ROLLE", help="Rolle, z. B. leitung.")
@click.option(
    "--person",
    metavar="KENNUNG",
    help="Wer freigibt (nur nötig ohne Signatur, wenn mehrere Personen die Rolle haben).",
)
@click.option("--note", default="", help="Bemerkung zur Freigabe.")
@click.pass_context
def signoff_grant(
    ctx: click.Context, kurzname: str, role: str, person: str | None, note: str
) -> None:
    """Die gespeicherte Fassung in einer Rolle freigeben.

    \b
    Beispiel:  lafast signoff mindeststandards-fsa --as leitung
    """
    from lafast_docs.release.signoff import sign_off

    r = sign_off(_workspace(ctx), kurzname, role, person=person, note=note)
    a = r.approval
    click.echo(
        f"Freigabe erteilt: {a.name} als {_workspace(ctx).config.roles.get(a.role, a.role)}, "
        f"Version {a.version}, Fassung {a.commit[:10]} ({a.tag})."
    )
    if r.authenticated:
        click.echo("Die Freigabe ist mit Ihrem Schlüssel signiert und von git geprüft.")
    else:
        click.echo(_UNAUTHENTICATED, err=True)
    _print_signoff_status(r.status)


_UNAUTHENTICATED = (
    "Hinweis: Freigaben sind nicht authentifiziert – es ist keine Signatur eingerichtet; "
    "wer git bedienen kann, kann eine Freigabe vortäuschen. Einrichten: README, „Freigabe“."
)


def _print_signoff_status(st: Any) -> None:
    for r in st.roles:
        if r.check is None:
            click.echo(f"  {r.label}: fehlt")
            continue
        a = r.check.approval
        how = " (signiert, geprüft)" if r.check.authenticated else ""
        state = "gültig" if r.check.valid else "UNGÜLTIG"
        click.echo(f"  {r.label}: {state} – {a.name}, {a.date:%d.%m.%Y %H:%M}{how}")
        for reason in r.check.reasons:
            click.echo(f"      {reason}")
    if st.unsaved:
        click.echo(
            "  Ungespeicherte Änderungen: Sie gelten erst nach dem Speichern – und heben "
            "dann die Freigaben auf."
        )
    click.echo(
        "Stand: freigegeben." if st.complete else f"Stand: noch nicht freigegeben ({st.summary()})."
    )


@signoff.command("status")
@click.argument("kurzname")
@click.pass_context
def signoff_show(ctx: click.Context, kurzname: str) -> None:
    """Welche Freigaben vorliegen, welche fehlen und warum eine ungültig ist.

    \b
    Beispiel:  lafast signoff status mindeststandards-fsa
    """
    from lafast_docs.release.signoff import signoff_status

    st = signoff_status(_workspace(ctx), kurzname)
    click.echo(f"Freigaben für {kurzname}, Version {st.version} (geprüft an {st.commit[:10]}):")
    _print_signoff_status(st)
    if not st.signing:
        click.echo(_UNAUTHENTICATED, err=True)


def _print_demo_publication(result: Any) -> None:
    for slug, final in result.final.items():
        roles = result.workspace.config.roles
        names = ", ".join(f"{a.name} ({roles.get(a.role, a.role)})" for a in final.status.approvals)
        click.echo(f"\nFreigegeben: {slug} – {names}; signiert mit Demo-Schlüsseln.")
        for o in final.outputs:
            click.echo(f"  {o.format.upper():5} {o.path}")
    for r in result.verified:
        verdict = "echt" if r.authentic else "NICHT echt: " + "; ".join(r.problems)
        click.echo(f"\n$ lafast verify {r.file}\n  {verdict}")
    if result.site is not None:
        click.echo(f"\nWebsite zum Öffnen im Browser: {result.site / 'index.html'}")


def _render_final(
    ctx: click.Context, kurzname: str, formats: str, out: str | None, archive: bool, force: bool
) -> None:
    from lafast_docs.release.final import FINAL, render_final
    from lafast_docs.render.pipeline import parse_formats

    result = render_final(
        _workspace(ctx),
        kurzname,
        formats=parse_formats(formats, FINAL),
        out_dir=Path(out) if out else None,
        archive=archive,
        force=force,
    )
    for o in result.outputs:
        note = " (unverändert, nicht neu erzeugt)" if o.cached else ""
        click.echo(f"{o.format.upper():5} {o.path}{note}")
    click.echo(
        "Endgültige Fassung: "
        + ", ".join(f"{a.name} ({a.date:%d.%m.%Y})" for a in result.status.approvals)
        + (". PDF digital signiert." if result.signed else ". PDF ohne digitale Signatur.")
    )
    if not result.authenticated:
        click.echo(_UNAUTHENTICATED, err=True)


@cli.command()
@click.argument("kurzname")
@click.option(
    "--site",
    required=True,
    metavar="ORDNER",
    type=click.Path(file_okay=False),
    help="Ordner der Website (wird angelegt).",
)
@click.option(
    "--synopse",
    "with_synopse",
    is_flag=True,
    help="Auch die Synopse veröffentlichen (nur Rückmeldungen mit Einwilligung).",
)
@click.pass_context
def publish(ctx: click.Context, kurzname: str, site: str, with_synopse: bool) -> None:
    """Freigegebene Fassung veröffentlichen: PDF, DOCX, HTML, Übersicht, Feed, Prüfsummen.

    \b
    Beispiel:  lafast publish mindeststandards-fsa --site ~/website/veroeffentlichungen
    """
    from lafast_docs.release.publish import publish as do_publish

    r = do_publish(_workspace(ctx), kurzname, Path(site), synopse=with_synopse)
    click.echo(f"Veröffentlicht: {r.entry['titel']}, Version {r.entry['version']}")
    for f in r.files:
        click.echo(f"  {f}")
    click.echo(f"Übersicht: {r.site / 'index.html'} (dazu feed.atom, catalogue.json, SHA256SUMS)")


@cli.command()
@click.argument("datei", type=click.Path(dir_okay=False))
@click.option(
    "--site",
    metavar="ORDNER",
    type=click.Path(file_okay=False),
    help="Website-Ordner mit catalogue.json (Vorgabe: neben oder über der Datei).",
)
@click.pass_context
def verify(ctx: click.Context, datei: str, site: str | None) -> None:
    """Prüfen, ob eine Datei die freigegebene und veröffentlichte Fassung ist.

    Rückgabewert 0: echt; 8: nicht echt (verändert, nachträglich ergänzt, nicht freigegeben).

    \b
    Beispiel:  lafast verify ~/Downloads/mindeststandards-fsa-1.0.pdf
    """
    from lafast_docs.errors import NotAuthentic, Problem, WorkspaceNotFound
    from lafast_docs.release.verify import verify as do_verify

    try:
        ws = _workspace(ctx)
    except WorkspaceNotFound:
        ws = None
    r = do_verify(Path(datei), ws=ws, site=Path(site) if site else None)
    i = r.identity
    click.echo(f"Datei: {r.file}\nSHA-256: {r.sha256}")
    if i.slug:
        click.echo(f"Dokument: {i.slug}, Version {i.version}, Fassung {i.commit}")
    for s in r.signoffs:
        state = "gültig" if s["gueltig"] else "UNGÜLTIG"
        how = ", signiert und geprüft" if s["signiert"] else ""
        click.echo(f"Freigabe: {s['name']} ({s['rolle']}, {s['datum']:%d.%m.%Y}) – {state}{how}")
    if ws is None:
        click.echo("Freigaben nicht geprüft (kein Arbeitsbereich).")
    if r.pdf is not None and r.pdf.signed:
        p = r.pdf
        click.echo(
            f"PDF-Signatur: {'gültig' if p.intact and p.valid else 'UNGÜLTIG'}, "
            f"{'deckt die ganze Datei' if p.whole_file else 'deckt NICHT die ganze Datei'}; "
            f"{p.signer}" + (f", {p.signed_at:%d.%m.%Y %H:%M}" if p.signed_at else "")
        )
    if r.catalogue:
        text = {"stimmt": "stimmt überein", "abweichend": "WEICHT AB", "fehlt": "nicht verzeichnet"}
        click.echo(f"Katalog ({r.catalogue_path}): {text[r.catalogue]}")
    for n in r.notes:
        click.echo(f"Hinweis: {n}")
    if not r.authentic:
        raise NotAuthentic(
            "Die Datei ist NICHT echt:",
            problems=[Problem(p) for p in r.problems],
            hint="Laden Sie die Datei erneut von der Website der Fachstelle.",
        )
    click.echo("Ergebnis: echt – die Datei ist die freigegebene Fassung.")


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
    from lafast_docs.team.sync import sync as run_sync

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
    import os

    # https://no-color.org: no colours when NO_COLOR is set; the text says everything anyway
    extra = {"color": False} if os.environ.get("NO_COLOR") else {}
    try:
        code = cli.main(args=argv, prog_name="lafast", standalone_mode=False, **extra)
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


_attach_completion(cli)  # last: covers every command defined above
for _name, _text in SHORT_HELP.items():
    cli.commands[_name].short_help = _text
