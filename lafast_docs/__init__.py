"""lafast-docs: Stellungnahmen und Fachstandards gemeinsam mit dem Arbeitsfeld erarbeiten.

The house is laid out by workflow stage. `LAYERS` lists its parts bottom to top: a module may
import lafast modules from its own part and from parts below it, never from a part above
(`tests/test_architecture.py` checks this and the other rules of the house).
"""

__version__ = "0.1.0"

LAYERS = (
    "errors",  # every exception class and its exit code
    "external",  # pandoc, limits, resources
    "storage",  # git (Store, the only code that runs git), files, journal, lock, yamlio
    "workspace",  # Workspace, config, address book, create
    "text",  # slugs, drafts, textmodel, analysis, history, accessibility
    "render",  # the engine room: pipeline, cache, context, engines
    "consultation",  # rounds, forms, model, anchor, submissions, views, intake/
    "decisions",  # disposition, sheet, consensus, merge, provenance
    "outputs",  # products: document, redline, synopse, replies
    "release",  # signoff, keyring, signing, final, verify, publish
    "team",  # sync
    "office",  # status, doctor, demo
    "cli",  # the command line (and `python -m lafast_docs`)
)
