"""The command and group classes: everything about a command is declared where it is defined.

A top-level command says in its decorator in which stage of the workflow `lafast --help` lists
it, its one-line short help, and whether it changes state. A state-changing command runs
inside `lock.state_change` (workspace lock, crash recovery, journal) and warns when the shared
remote has newer commits; tests/test_cli_state.py checks that no other command writes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lafast_docs.cli import core, messages_de

if TYPE_CHECKING:
    from lafast_docs.workspace import Workspace

messages_de.install()  # before any command or option is built

F = TypeVar("F", bound=Callable[..., Any])

# the stages of `lafast --help`, in workflow order
SETUP = "Einrichten"
WRITING = "Schreiben"
CONSULTATION = "Beteiligung"
DECISIONS = "Abwägung und Konsens"
COMPARE = "Vergleichen"
RELEASE = "Freigabe und Veröffentlichung"
TEAM = "Im Team"
TRY = "Ausprobieren"
STAGE_ORDER = (SETUP, WRITING, CONSULTATION, DECISIONS, COMPARE, RELEASE, TEAM, TRY)
OTHER = "Weitere"  # a command without a stage (test_cli makes sure there is none)

METAVARS = {"options_metavar": "[OPTIONEN]"}
GROUP_METAVARS = {**METAVARS, "subcommand_metavar": "BEFEHL [ARGUMENTE]..."}


def workspace(ctx: click.Context) -> Workspace:
    """The workspace of this invocation (--workspace or found from the current folder), loaded
    once and kept on the root context."""
    root = ctx.find_root()
    obj = root.ensure_object(dict)
    if "workspace" not in obj:
        explicit = root.params.get("workspace")
        obj["workspace"] = core.workspace.find_workspace(
            explicit=Path(explicit) if explicit else None
        )
    ws: Workspace = obj["workspace"]
    return ws


def _reload_workspace(ctx: click.Context) -> Workspace:
    ctx.find_root().ensure_object(dict).pop("workspace", None)
    return workspace(ctx)


def pass_workspace(f: F) -> F:
    """Call the command with the invocation's workspace as first argument."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return f(workspace(click.get_current_context()), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def exit_with(code: int) -> None:
    """End the command with an exit code (after it has printed what it found)."""
    click.get_current_context().exit(code)


def command_path(ctx: click.Context) -> str:
    """The command's path without "lafast", e.g. "consult open" (names the lock holder)."""
    names = []
    c: click.Context | None = ctx
    while c is not None and c.parent is not None:
        names.append(c.info_name or "")
        c = c.parent
    return " ".join(reversed(names))


class Command(click.Command):
    """A command with its stage in `lafast --help` and whether it changes state.

    A state-changing command runs inside `lock.state_change` (one place for all). The
    workspace is loaded again inside the lock, after crash recovery, so the command sees what
    a colleague's command that held the lock before it wrote."""

    def __init__(
        self, *args: Any, stage: str | None = None, changes_state: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.stage = stage
        self.changes_state = changes_state

    def invoke(self, ctx: click.Context) -> Any:
        if not self.changes_state:
            return super().invoke(ctx)
        path = command_path(ctx)
        ws = workspace(ctx)
        say = lambda m: click.echo(m, err=True)  # noqa: E731
        with core.lock.state_change(ws.root, path, store=ws.store, say=say):
            ws = _reload_workspace(ctx)
            core.conflict.guard(ws, path)
            if path != "sync" and not ws.store.merge_in_progress():
                _warn_if_behind(ws)
            return super().invoke(ctx)


def _warn_if_behind(ws: Workspace) -> None:
    if ws.config.remote and core.sync.behind_remote(ws):
        click.echo(
            "Achtung: Im gemeinsamen Archiv gibt es neuere Änderungen von Kolleg*innen. Holen "
            "Sie sie bald mit „lafast sync“, sonst kann es beim Übertragen Konflikte geben.",
            err=True,
        )


class Group(click.Group):
    """Commands listed in workflow order, not alphabetically; the root lists them by stage."""

    command_class = Command

    def __init__(self, *args: Any, stage: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage = stage
        self.changes_state = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        for key, value in METAVARS.items():
            kwargs.setdefault(key, value)
        return super().command(*args, **kwargs)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if ctx.parent is not None:  # sub-groups: one plain list
            super().format_commands(ctx, formatter)
            return
        width = formatter.width - 6 - max(len(n) for n in self.commands)
        for title, names in stages(self):
            rows = [
                (n, self.commands[n].get_short_help_str(width))
                for n in names
                if not self.commands[n].hidden
            ]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def stages(group: click.Group) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The group's commands by stage, in workflow order (each declares its stage)."""
    by_stage: dict[str, list[str]] = {}
    for name, cmd in group.commands.items():
        by_stage.setdefault(getattr(cmd, "stage", None) or OTHER, []).append(name)
    return tuple(
        (title, tuple(by_stage[title])) for title in (*STAGE_ORDER, OTHER) if title in by_stage
    )


def command(
    name: str | None = None,
    *,
    stage: str,
    short_help: str | None = None,
    changes_state: bool = False,
    **kwargs: Any,
) -> Callable[[Callable[..., Any]], Command]:
    """A top-level command: its stage in `lafast --help`, optionally a shorter line for that
    list, and whether it changes state (lock, crash journal, remote warning)."""
    return click.command(  # type: ignore[return-value]
        name,
        cls=Command,
        stage=stage,
        short_help=short_help,
        changes_state=changes_state,
        **METAVARS,
        **kwargs,
    )


def group(
    name: str | None = None, *, stage: str, cls: type[Group] = Group, **kwargs: Any
) -> Callable[[Callable[..., Any]], Group]:
    """A top-level group of sub-commands, listed under its stage."""
    return click.group(name, cls=cls, stage=stage, **GROUP_METAVARS, **kwargs)  # type: ignore[return-value]
