"""Options and arguments shared by several commands, each defined once with its completion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lafast_docs.cli import core
from lafast_docs.cli.base import workspace

if TYPE_CHECKING:
    from lafast_docs.workspace import Workspace

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


# -- completion: never fails loudly, a broken workspace simply completes nothing ---------------
def complete_slugs(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    try:
        drafts = workspace(ctx).drafts_dir
        return sorted(
            p.parent.name
            for p in drafts.glob("*/document.md")
            if p.parent.name.startswith(incomplete)
        )
    except Exception:  # completion must never fail loudly
        return []


def complete_comment_ids(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    try:
        ids = {c["id"] for _s, c in core.submissions.iter_comments(workspace(ctx))}
        return sorted(i for i in ids if i.startswith(incomplete.upper()))
    except Exception:  # completion must never fail loudly
        return []


def complete_orgs(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    try:
        orgs = workspace(ctx).config.orgs
        return sorted(o.id for o in orgs if o.id.startswith(incomplete))
    except Exception:  # completion must never fail loudly
        return []


# -- arguments ---------------------------------------------------------------------------------
def slug_argument(**kwargs: Any) -> Decorator:
    """KURZNAME: a draft's short name (completes the workspace's drafts)."""
    return click.argument("kurzname", shell_complete=complete_slugs, **kwargs)


def comment_id_argument() -> Decorator:
    """KENNUNG: a comment id such as AWO-MF-003 (completes the imported comments)."""
    return click.argument("kennung", shell_complete=complete_comment_ids)


def org_id_argument() -> Decorator:
    """KENNUNG: an organisation's id in the address book (completes it)."""
    return click.argument("kennung", shell_complete=complete_orgs)


# -- options -----------------------------------------------------------------------------------
json_option = click.option("--json", "as_json", is_flag=True, help="Ausgabe als JSON.")


def round_option(help: str = "Runde (Vorgabe: die neueste).") -> Decorator:
    return click.option("--round", "round_id", metavar="RUNDE", help=help)


def org_option(*decls: str, help: str, **kwargs: Any) -> Decorator:
    """An option naming an organisation of the address book (completes its ids)."""
    return click.option(*decls, metavar="ORG", shell_complete=complete_orgs, help=help, **kwargs)


def formats_option(default: str) -> Decorator:
    """--format/-f: output formats separated by commas, e.g. "pdf,docx"."""
    return click.option(
        "--format",
        "-f",
        "formats",
        default=default,
        show_default=True,
        help=f"Formate, mit Komma getrennt: {default.replace(',', ', ')}.",
    )


def out_option(help: str = "Zielordner. Vorgabe: build/KURZNAME im Arbeitsbereich.") -> Decorator:
    return click.option("--out", "-o", type=click.Path(file_okay=False), help=help)


def dry_run_option(help: str) -> Decorator:
    return click.option("--dry-run", is_flag=True, help=help)


def mail_options(func: Any) -> Any:
    """--send, --dry-run, --again, --mark-sent: how a command's mails go out (consultation/mail)."""
    for option in reversed(
        [
            click.option(
                "--send",
                is_flag=True,
                help="Direkt über den Mailserver aus lafast.yaml senden (statt E-Mail-Entwürfe "
                ".eml vorzubereiten). Passwort aus der Variablen oder per Nachfrage.",
            ),
            click.option(
                "--dry-run",
                is_flag=True,
                help="Nur auflisten, wer welche E-Mail mit welchen Anhängen bekäme.",
            ),
            click.option(
                "--again",
                is_flag=True,
                help="Auch an die, die diese E-Mail schon bekommen haben.",
            ),
            click.option(
                "--mark-sent",
                is_flag=True,
                help="Die vorbereiteten Entwürfe wurden aus dem Mailprogramm gesendet: so "
                "vermerken (nichts wird gesendet).",
            ),
        ]
    ):
        func = option(func)
    return func


# -- values ------------------------------------------------------------------------------------
def parse_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"„{value}“ ist kein Datum; Form: JJJJ-MM-TT, z. B. 2026-12-15", param_hint=option
        ) from None


def path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None


def output_path(ws: Workspace, value: str | None, option: str = "--out") -> Path | None:
    """Where the user wants an output written, checked once for every command: never into
    .git, never over the workspace's own files (workspace/targets.py)."""
    return core.targets.output_target(ws, Path(value), option=option) if value else None
