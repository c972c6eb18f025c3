"""The `lafast` command line: parse, call one core function, print. German for the user.

main.py holds the group and the entry point, base.py the command classes (stage, state change),
options.py the shared options, show.py the printers; one module per stage of `lafast --help`.
The commands reach the core through core.py, whose modules run only when first used.
This package is the only one that imports click.
"""

from lafast_docs.cli.main import cli, main

__all__ = ["cli", "main"]
