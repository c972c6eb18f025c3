"""The external programs the tests use, and the one line that installs each.

One table for `scripts/test` (which installs what is missing before running pytest) and for
the tests (which fail, never skip, with that line when a program is missing). Standard library
only: `scripts/test` runs this before the project's Python packages are installed.

    python3 -m tests.checkers apt     # the Debian packages still missing, one a line
    python3 -m tests.checkers pip     # exit 1: `pip install -e ".[test]"` is due (says why)
    python3 -m tests.checkers npm     # exit 1: `npm ci` is due (axe-core missing or stale)
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AXE = os.path.join(REPO, "node_modules", "axe-core", "axe.min.js")


@dataclass(frozen=True)
class Need:
    what: str  # German, for the failure message
    package: str  # the Debian package that provides it
    commands: tuple[str, ...] = ()  # all must be on PATH ...
    files: tuple[str, ...] = ()  # ... and all these globs must match a file
    needed: Callable[[], bool] = lambda: True  # e.g. npm: only while axe-core is missing

    def present(self) -> bool:
        if not self.needed():
            return True
        return all(shutil.which(c) for c in self.commands) and all(glob.glob(f) for f in self.files)


# Debian/Ubuntu packages, by what the tests (or WeasyPrint under them) use.
NEEDS = (
    Need("git", "git", ("git",)),  # tests/test_sync.py also runs `git daemon`
    Need("ssh-keygen", "openssh-client", ("ssh-keygen",)),  # signed sign-offs
    Need("GnuPG", "gnupg", ("gpg", "gpgconf")),  # OpenPGP sign-offs
    Need("SoftHSM2 (PKCS#11-Token)", "softhsm2", ("softhsm2-util",)),  # tests/test_token.py
    Need("Pango (für WeasyPrint)", "libpango-1.0-0", files=("/usr/lib/*/libpango-1.0.so.0",)),
    Need(
        "PangoFT2 (für WeasyPrint)", "libpangoft2-1.0-0", files=("/usr/lib/*/libpangoft2-1.0.so.0",)
    ),
    Need("DejaVu-Schriften", "fonts-dejavu-core", files=("/usr/share/fonts/truetype/dejavu/*",)),
    Need(  # the italic faces LibreOffice sets DOCX italics in (the TOC's pages assume them)
        "DejaVu-Schriften (kursiv)",
        "fonts-dejavu-extra",
        files=("/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",),
    ),
    Need("LibreOffice Writer", "libreoffice-writer-nogui", ("soffice",)),
    Need(
        "LibreOffice Calc",
        "libreoffice-calc-nogui",
        files=("/usr/lib/libreoffice/program/libsclo.so",),
    ),
    Need("poppler-utils", "poppler-utils", ("pdftotext", "pdfsig", "pdfimages")),
    Need("Java", "default-jre-headless", ("java",)),  # veraPDF (tests/checkers/verapdf.py)
    Need("JAXB", "libjaxb-java", files=("/usr/share/java/jaxb-runtime.jar",)),  # veraPDF
    Need("Chromium", "chromium", ("chromium",)),
    Need("chromedriver", "chromium-driver", ("chromedriver",)),
    # axe-core from the npm registry (package.json), only while it is not in node_modules/
    Need("npm", "npm", ("npm",), needed=lambda: npm_due() is not None),
)


def missing_packages(*packages: str) -> list[str]:
    """The Debian packages (of `packages`, or of all) whose programs or files are missing."""
    return [n.package for n in NEEDS if (not packages or n.package in packages) and not n.present()]


def apt_line(packages: list[str]) -> str:
    sudo = "" if os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get install -y --no-install-recommends {' '.join(packages)}"


def fail(what: str, line: str, *, several: bool = False) -> None:
    """Fail the running test: `what` is missing, `line` installs it."""
    import pytest

    verb = "fehlen" if several else "fehlt"
    pytest.fail(f"{what} {verb}. Installieren mit: {line}", pytrace=False)


def need(*packages: str) -> None:
    """Fail the running test with the install line unless these Debian packages are present."""
    missing = missing_packages(*packages)
    if missing:
        names = [n.what for n in NEEDS if n.package in missing]
        fail(" und ".join(names), apt_line(missing), several=len(names) > 1)


def tool(command: str) -> str:
    """The path of `command` (from one of NEEDS); fails the running test when it is missing."""
    package = next(n.package for n in NEEDS if command in n.commands)
    need(package)
    return shutil.which(command) or command


def need_axe() -> None:
    """Chromium, chromedriver and axe-core (npm, into node_modules/) for the browser test."""
    need("chromium", "chromium-driver")
    if not os.path.isfile(AXE):
        fail("axe-core (node_modules/)", f"cd {REPO} && npm ci --no-audit --no-fund")


def pip_due() -> str | None:
    """Why `pip install -e ".[test]"` must run: lafast not installed (editable) from this
    folder, or a dependency or test extra of pyproject.toml missing or too old. None: nothing."""
    import importlib.metadata as md

    try:
        from packaging.requirements import Requirement
        from packaging.version import Version
    except ImportError:  # pip vendors it
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.version import Version
    try:
        dist = md.distribution("lafast-docs")
    except md.PackageNotFoundError:
        return "lafast ist nicht installiert"
    url = json.loads(dist.read_text("direct_url.json") or "{}").get("url")
    if url != Path(REPO).resolve().as_uri():
        return f"lafast ist aus {url or 'einem anderen Ordner'} installiert, nicht aus {REPO}"
    project = tomllib.loads(Path(REPO, "pyproject.toml").read_text("utf-8"))["project"]
    for line in project["dependencies"] + project["optional-dependencies"]["test"]:
        req = Requirement(line)
        if req.marker and not req.marker.evaluate({"extra": "test"}):
            continue
        try:
            version = md.version(req.name)
        except md.PackageNotFoundError:
            return f"{req.name} fehlt"
        if not req.specifier.contains(Version(version), prereleases=True):
            return f"{req.name} {version} passt nicht zu {req.specifier}"
    return None


def npm_due() -> str | None:
    """Why `npm ci` must run: axe-core missing in node_modules/ or not the locked version."""
    lock = json.loads(Path(REPO, "package-lock.json").read_text("utf-8"))
    want = lock["packages"]["node_modules/axe-core"]["version"]
    try:
        have = json.loads(Path(AXE).with_name("package.json").read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "axe-core fehlt in node_modules/"
    return None if have == want and os.path.isfile(AXE) else f"axe-core {have}, gesperrt ist {want}"


def main(argv: list[str]) -> int:
    if argv == ["apt"]:
        print("\n".join(missing_packages()))
        return 0
    if argv in (["pip"], ["npm"]):
        why = pip_due() if argv == ["pip"] else npm_due()
        if why:
            print(why)
        return 1 if why else 0
    print("usage: python3 -m tests.checkers apt|pip|npm", file=sys.stderr)
    return 2
