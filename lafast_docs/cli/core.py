"""The one door from the command line into the core: every core module a command uses, declared
here at the top and run only when a command first uses it.

Why: with every lafast import at the top of its file, importing the cli ran all ~90 lafast
modules (dataclasses, regexes, enums: 3–10 ms each), and `lafast --help` took 552 ms and
`lafast status` 602 ms, against 234 and 334 ms before the restructure (hyperfine, same machine).
So the commands say `core.synopse.synopse(...)`, and `core.synopse` is a lazy module: the module
object exists at once, registered in `sys.modules` (a later `import lafast_docs.outputs.synopse`
or `from lafast_docs.outputs.synopse import SYNOPSE` gets this same object), and its code runs at
its first attribute access. `--help` runs none of them; `status` only what the status needs.

Not `importlib.util.LazyLoader`: it runs a module before its package, and a package whose
`__init__` imports its own modules (lafast_docs.workspace) then fails with an ImportError;
importing the packages for real instead would run lafast_docs.workspace (git, config, YAML) at
every start. `LazyModule` runs the package first, as an import does, and looks for the file
only then (finding 40 files at every start cost ~4 ms).

mypy sees the real imports (the `TYPE_CHECKING` block) and checks every call; the two lists name
the same modules under the same names. tests/test_architecture.py checks that, counts a `lazy`
declaration as an import for the layer and loop rules, and checks that the other cli modules
import core modules only for type checking.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any


class LazyModule(ModuleType):
    """A module in `sys.modules` whose code has not run yet (nor been looked for: declaring one
    costs nothing). The first attribute access runs its package (if that has not run yet; it may
    import this module and so run it), then its own code, in this same object, which from then
    on is a plain module. Not thread-safe, as the command line runs in one thread."""

    def __getattribute__(self, attr: str) -> Any:
        name = object.__getattribute__(self, "__name__")
        package = importlib.import_module(name.rpartition(".")[0])
        if type(self) is LazyModule:  # not run by its package
            self.__class__ = ModuleType  # type: ignore[assignment]
            spec = importlib.machinery.PathFinder.find_spec(name, package.__path__)
            if spec is None or spec.loader is None:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            vars(self).update(vars(importlib.util.module_from_spec(spec)))  # __spec__, __file__…
            spec.loader.exec_module(self)
        return getattr(self, attr)


def lazy(name: str) -> ModuleType:
    """The lafast module `name`, run at its first attribute access (its packages likewise)."""
    if name in sys.modules:
        return sys.modules[name]
    package, _, child = name.rpartition(".")
    module = LazyModule(name)
    sys.modules[name] = module
    setattr(lazy(package), child, module)  # as an import does: lafast_docs.outputs.synopse works
    return module


if TYPE_CHECKING:  # what mypy checks the commands against
    from lafast_docs.consultation import rounds, submissions, views
    from lafast_docs.consultation.intake import importer
    from lafast_docs.consultation.mail import letters
    from lafast_docs.decisions import (
        consensus,
        disposition,
        merge,
        overview,
        provenance,
        sheet,
        sheetimport,
    )
    from lafast_docs.office import demo, doctor, figures, preview_server, status
    from lafast_docs.outputs import document, redline, replies, synopse
    from lafast_docs.release import (
        archive,
        enrol,
        final,
        keyring,
        publish,
        seal,
        signoff,
        trust,
        verify,
        versions,
    )
    from lafast_docs.render import pipeline
    from lafast_docs.storage import lock
    from lafast_docs.team import conflict, join, sync
    from lafast_docs.text import accessibility, drafts, history, register
    from lafast_docs.workspace import addressbook, config, create, targets, workspace
else:  # the same modules, each run at its first use
    importer = lazy("lafast_docs.consultation.intake.importer")
    rounds = lazy("lafast_docs.consultation.rounds")
    submissions = lazy("lafast_docs.consultation.submissions")
    views = lazy("lafast_docs.consultation.views")
    consensus = lazy("lafast_docs.decisions.consensus")
    disposition = lazy("lafast_docs.decisions.disposition")
    merge = lazy("lafast_docs.decisions.merge")
    overview = lazy("lafast_docs.decisions.overview")
    provenance = lazy("lafast_docs.decisions.provenance")
    sheet = lazy("lafast_docs.decisions.sheet")
    sheetimport = lazy("lafast_docs.decisions.sheetimport")
    demo = lazy("lafast_docs.office.demo")
    doctor = lazy("lafast_docs.office.doctor")
    status = lazy("lafast_docs.office.status")
    document = lazy("lafast_docs.outputs.document")
    redline = lazy("lafast_docs.outputs.redline")
    replies = lazy("lafast_docs.outputs.replies")
    synopse = lazy("lafast_docs.outputs.synopse")
    final = lazy("lafast_docs.release.final")
    publish = lazy("lafast_docs.release.publish")
    signoff = lazy("lafast_docs.release.signoff")
    trust = lazy("lafast_docs.release.trust")
    verify = lazy("lafast_docs.release.verify")
    versions = lazy("lafast_docs.release.versions")
    pipeline = lazy("lafast_docs.render.pipeline")
    lock = lazy("lafast_docs.storage.lock")
    conflict = lazy("lafast_docs.team.conflict")
    join = lazy("lafast_docs.team.join")
    sync = lazy("lafast_docs.team.sync")
    accessibility = lazy("lafast_docs.text.accessibility")
    drafts = lazy("lafast_docs.text.drafts")
    history = lazy("lafast_docs.text.history")
    addressbook = lazy("lafast_docs.workspace.addressbook")
    config = lazy("lafast_docs.workspace.config")
    create = lazy("lafast_docs.workspace.create")
    targets = lazy("lafast_docs.workspace.targets")
    workspace = lazy("lafast_docs.workspace.workspace")
    enrol = lazy("lafast_docs.release.enrol")
    seal = lazy("lafast_docs.release.seal")
    keyring = lazy("lafast_docs.release.keyring")
    preview_server = lazy("lafast_docs.office.preview_server")
    letters = lazy("lafast_docs.consultation.mail.letters")
    figures = lazy("lafast_docs.office.figures")
    register = lazy("lafast_docs.text.register")
    archive = lazy("lafast_docs.release.archive")
