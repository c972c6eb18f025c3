"""Printers: tables, JSON, lines, hints and progress; the views several commands share."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import click

from lafast_docs.cli import core

if TYPE_CHECKING:
    from lafast_docs.workspace import Workspace

UNAUTHENTICATED = (
    "Hinweis: Freigaben sind nicht authentifiziert – es ist keine Signatur eingerichtet; "
    "wer git bedienen kann, kann eine Freigabe vortäuschen. Einrichten: README, „Freigabe“."
)


def _interactive() -> bool:
    """Hints and progress only for a person at a terminal, never into pipes or scripts."""
    return sys.stderr.isatty() and not os.environ.get("LAFAST_QUIET")


class Bar:
    """A `render.progress.Progress` on stderr, drawn by rich, only at a terminal
    (`_interactive`); nothing in pipes.

    The core reports through the `Progress` methods (`start` a counted stage, `step` per
    finished item, `note` what is being worked on); calling the bar is `step`. One line per
    stage: spinner, stage, bar (where the count is known), done/total, time, current item."""

    def __init__(self, total: int = 0, label: str = "") -> None:
        self.first = (total, label)
        self.rich: Any = None
        self.task: Any = None

    def __enter__(self) -> Bar:
        if _interactive():
            from rich.console import Console  # here: ~0.1 s, only when something is drawn
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as Rich

            self.rich = Rich(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[item]}"),
                console=Console(stderr=True),
            )
            self.rich.start()
            if self.first[1]:
                self.start(*self.first)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.rich is not None:
            if kind is None and self.task is not None:
                self.rich.update(self.task, item="")
            self.rich.stop()
            self.rich = None

    def start(self, total: int, label: str) -> None:
        if self.rich is None:
            return
        if self.task is not None:  # the stage before is done: its bar full, its item cleared
            done = self.rich.tasks[-1].completed or 1
            self.rich.update(self.task, total=done, completed=done, item="")
        self.task = self.rich.add_task(label, total=total or None, item="")

    def step(self, text: str = "") -> None:
        if self.rich is None:
            return
        if self.task is None:
            self.start(0, "")
        self.rich.update(self.task, advance=1, item=text)
        self.rich.refresh()  # drawn now, not at the next tick: every item is seen once

    def note(self, text: str) -> None:
        if self.rich is None:
            return
        if self.task is None:
            self.start(0, "")
        self.rich.update(self.task, item=text)
        self.rich.refresh()

    def __call__(self, text: str = "") -> None:
        self.step(text)


def progress(total: int = 0, label: str = "") -> Bar:
    """`with progress(n, "Lese Rückmeldungen ein") as step: … step(name) …`; the bar is also
    the `Progress` handed to core functions (`progress=bar`)."""
    return Bar(total, label)


def hint(text: str | Callable[[], str]) -> None:
    """One line on what usually comes next (to stderr, so piped output stays clean); a
    callable is asked for the text only at a terminal (a hint that has to look things up)."""
    if _interactive():
        said = text() if callable(text) else text
        click.echo(click.style("Als Nächstes: ", bold=True) + said, err=True)


def err(text: str) -> None:
    click.echo(text, err=True)


def step(text: str) -> None:
    """A progress line ("Sende an … …"): at a terminal only, like the bars."""
    if _interactive():
        click.echo(text, err=True)


def lines(texts: Iterable[str]) -> None:
    for text in texts:
        click.echo(text)


def table(headers: list[str], rows: list[list[str]]) -> None:
    """A plain aligned table. (rich would add ~0.1 s to every start of `status` and `list`.)"""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    click.secho(line(headers), bold=True)
    click.echo("  ".join("─" * w for w in widths))
    for row in rows:
        click.echo(line(row))


def as_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def word(op: str, text: str) -> str:
    """One piece of a word diff: deleted [-…-] red, inserted {+…+} green (colour at a tty)."""
    if op == "=":
        return text
    color = sys.stdout.isatty()
    if op == "-":
        return click.style(f"[-{text}-]", fg="red") if color else f"[-{text}-]"
    return click.style(f"{{+{text}+}}", fg="green") if color else f"{{+{text}+}}"


def words(pieces: Iterable[tuple[str, str]]) -> str:
    return "".join(word(op, t) for op, t in pieces)


def decision(d: Any) -> None:
    click.echo(f"{d.comment_id}: {d.label}" + (f" – {d.reason}" if d.reason else ""))


def outputs(items: Iterable[Any], *, indent: str = "", cached: bool = False) -> None:
    """The files a command wrote, one per line with their format (and, with `cached`, which
    were left as they were)."""
    for o in items:
        note = " (unverändert, nicht neu erzeugt)" if cached and o.cached else ""
        click.echo(f"{indent}{o.format.upper():5} {o.path}{note}")


# -- views shared by several commands (and the demo) -------------------------------------------
def round_state(ws: Workspace, kurzname: str, round_id: str | None, *, json_: bool) -> None:
    rnd, rows, overdue = core.rounds.round_status(ws, kurzname, round_id)
    if json_:
        as_json(
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
                        "absender_abweichend": r.unconfirmed_senders,
                        "verspaetet": r.late,
                        "eingeladen_am": r.invited or None,
                        "erinnert_am": list(r.reminded),
                        "entwurf_am": r.prepared or None,
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
    table(
        ["Kennung", "Organisation", "Rückmeldungen", "E-Mail", "Stand"],
        [
            [
                r.org,
                r.name,
                str(r.submissions),
                _mail_state(r),
                (f"eingegangen {r.last_received[:10]}" if r.answered else missing)
                + (", verspätet" if r.late else "")
                + (" – ABSENDER PRÜFEN" if r.unconfirmed_senders else ""),
            ]
            for r in rows
        ],
    )
    answered = sum(1 for r in rows if r.answered)
    click.echo(f"\n{answered} von {len(rows)} haben geantwortet.")
    for r in rows:
        if r.unconfirmed_senders:
            click.echo(
                f"Achtung: {r.unconfirmed_senders} Rückmeldung(en) für {r.name} kamen von einer "
                "E-Mail-Adresse, die nicht im Adressbuch steht. Nachfragen; ist sie echt: "
                f"lafast comments import DATEI --from {r.org}"
            )
    late = sum(r.late for r in rows)
    if late and rnd.closed:
        click.echo(
            f"{late} Rückmeldung(en) verspätet, nach dem Schluss der Runde am "
            f"{rnd.closed:%d.%m.%Y} eingelesen."
        )


def mail_results(outcomes: list[Any], *, sending: bool) -> int:
    """One line per recipient of a mail run; returns how many were not prepared or sent."""
    for o in outcomes:
        mark = "!! " if not o.ok else ("-- " if o.state in ("übersprungen", "probelauf") else "OK ")
        where = f" <{o.to}>" if o.to else ""
        detail = f" – {o.detail}" if o.detail else ""
        click.echo(f"{mark}{o.name}{where}: {o.state}{detail}")
        if o.state == "probelauf":
            click.echo(f"    Betreff: {o.subject}")
            click.echo(f"    Anhänge: {', '.join(o.files) or 'keine'}")
        if o.draft is not None and o.state == "vorbereitet":
            click.echo(f"    {o.draft}")
    failed = [o for o in outcomes if not o.ok]
    if failed and sending:
        err(
            f"\n{len(failed)} von {len(outcomes)} E-Mail(s) nicht gesendet. Was gesendet ist, ist "
            "vermerkt: derselbe Befehl noch einmal sendet nur den Rest."
        )
    return len(failed)


def _mail_state(r: Any) -> str:
    """„eingeladen am 01.12.2026, erinnert am 08.12.2026“, from the round's versand.yaml."""

    def day(iso: str) -> str:
        return f"{iso[8:10]}.{iso[5:7]}.{iso[:4]}"

    parts = [f"eingeladen am {day(r.invited)}"] if r.invited else []
    if r.prepared and not r.invited:
        parts.append(f"Entwurf vom {day(r.prepared)}")
    if r.reminded:
        parts.append("erinnert am " + ", ".join(day(d) for d in r.reminded))
    return ", ".join(parts) or "–"


def comment_list(ws: Workspace, kurzname: str, *, json_: bool = False, **filters: Any) -> None:
    rows = core.overview.list_decided(ws, kurzname, **filters)
    if json_:
        as_json(rows)
        return
    if not rows:
        click.echo("Keine Anmerkungen gefunden.")
        return
    table(
        ["Kennung", "Rn.", "Art", "Von", "Zuordnung", "Entscheidung", "Anmerkung / Vorschlag"],
        [
            [
                r["id"],
                str(r["rn"] or "–"),
                r["art"],
                r["org"],
                r["zuordnung"],
                r["entscheidung"],
                r["kurz"],
            ]
            for r in rows
        ],
    )


def signoff_status(st: Any) -> None:
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


def final(result: Any) -> None:
    """A rendered final version: its files, who approved it, whether it is signed."""
    outputs(result.outputs, cached=True)
    click.echo(
        "Endgültige Fassung: "
        + ", ".join(f"{a.name} ({a.date:%d.%m.%Y})" for a in result.status.approvals)
        + (". PDF digital signiert." if result.signed else ". PDF ohne digitale Signatur.")
    )
    if not result.authenticated:
        err(UNAUTHENTICATED)


def findings(findings: list[Any]) -> None:
    """`lafast doctor`'s findings: a mark, the topic, the finding and what to do."""
    marks = {core.doctor.ERROR: ("FEHLER ", "red"), core.doctor.NOTE: ("Hinweis", "yellow")}
    for f in findings:
        mark, colour = marks.get(f.status, ("ok     ", "green"))
        click.echo(click.style(mark, fg=colour, bold=True) + f"  {f.topic}: {f.detail}")
        if f.fix:
            click.echo(f"           Was tun: {f.fix}")
    errors = sum(f.status == core.doctor.ERROR for f in findings)
    click.echo(f"\n{errors} Fehler gefunden." if errors else "\nAlles bereit.")
