"""The rules of the house, checked on the source of `lafast_docs/` (parsed with ast, not run).

1. layers: a module imports lafast modules only from its own part or parts below it
   (`lafast_docs.LAYERS`, bottom to top; the package root and errors.py are the bottom,
   `__main__` belongs to cli);
2. imports of lafast's own modules sit at the top of the file (in a function only under
   `if TYPE_CHECKING:`);
3. no import loop between modules (type-only imports count: a loop is a loop);
4. no module over 500 lines;
5. no bare `raise LafastError(...)`: raise a specific subclass;
6. every exception class is defined in errors.py;
7. heavy third-party libraries are imported lazily, inside the one module that wraps each;
8. `lafast_docs/` holds only Python files (no `.orig`, backups or other strays);
9. the cli reaches the core through `cli/core.py`, the only module with lazy declarations
   (`name = lazy("lafast_docs.…")`, each with its twin import under `TYPE_CHECKING`); the other
   cli modules import core modules only under `TYPE_CHECKING` (or the light ones in
   `CLI_LIGHT`), so that `lafast --help` runs no core module.

A lazy declaration counts as an import of its module for rules 1 to 3.

Each rule is checked per part so that a failure says where it is; a message names the file, the
line and the rule.
"""

from __future__ import annotations

import ast
import builtins
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from lafast_docs import LAYERS

PKG = Path(__file__).resolve().parent.parent / "lafast_docs"
MAX_LINES = 500
HEAVY = frozenset(
    {"weasyprint", "pyhanko", "openpyxl", "docx", "git", "pikepdf", "extract_msg", "resvg_py"}
)
CORE_DOOR = "lafast_docs.cli.core"
# lafast modules outside the cli that cli modules may import at the top, with the reason
CLI_LIGHT = {
    "lafast_docs": "__version__ for --version; the package itself runs nothing",
    "lafast_docs.errors": "main catches LafastError on every run; imports no lafast module",
}
BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, BaseException)
)


@dataclass(frozen=True)
class Import:
    target: str  # a lafast module ("lafast_docs.storage.git") or a third-party top name ("git")
    line: int
    own: bool  # a lafast module
    local: bool  # inside a function
    type_only: bool  # under `if TYPE_CHECKING:`
    lazy: bool = False  # a lazy declaration, `lazy("lafast_docs.…")` (cli/core.py)


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    part: str
    tree: ast.Module
    lines: int

    @property
    def rel(self) -> str:
        return self.path.relative_to(PKG.parent).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _part(path: Path) -> str:
    rel = path.relative_to(PKG).parts
    if len(rel) > 1:
        return rel[0]
    return "cli" if rel[0] == "__main__.py" else "errors"


@cache
def modules() -> dict[str, Module]:
    found = {}
    for path in sorted(PKG.rglob("*.py")):
        text = path.read_text("utf-8")
        name = _module_name(path)
        found[name] = Module(name, path, _part(path), ast.parse(text), len(text.splitlines()))
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _lazy_target(node: ast.AST) -> str | None:
    """The module named by a lazy declaration `lazy("lafast_docs.…")`, else None."""
    if not (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords):
        return None
    func, arg = node.func, node.args[0]
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    if name == "lazy" and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return None


def _resolve(mod: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = mod.name.split(".")
    if mod.path.name != "__init__.py":
        base.pop()
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


@cache
def imports(name: str) -> tuple[Import, ...]:
    mod = modules()[name]
    known = modules()
    found: list[Import] = []

    def visit(node: ast.AST, local: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(child, True, type_only)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit_stmt(stmt, local, True)
                for stmt in child.orelse:
                    visit_stmt(stmt, local, type_only)
            else:
                visit_stmt(child, local, type_only)

    def visit_stmt(node: ast.AST, local: bool, type_only: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                own = alias.name.split(".")[0] == "lafast_docs"
                target = alias.name if own else alias.name.split(".")[0]
                found.append(Import(target, node.lineno, own, local, type_only))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(mod, node)
            own = base.split(".")[0] == "lafast_docs"
            if not own:
                found.append(Import(base.split(".")[0], node.lineno, False, local, type_only))
                return
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                target = sub if sub in known else base
                found.append(Import(target, node.lineno, True, local, type_only))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            visit(node, True, type_only)
        elif (target := _lazy_target(node)) is not None:
            own = target.split(".")[0] == "lafast_docs"
            found.append(Import(target, node.lineno, own, local, type_only, lazy=True))
        else:
            visit(node, local, type_only)

    visit(mod.tree, False, False)
    return tuple(found)


def _layer(part: str) -> int:
    return LAYERS.index(part)


def _in(part: str) -> list[Module]:
    return [m for m in modules().values() if m.part == part]


def check_layers(part: str) -> list[str]:
    out: list[str] = []
    for mod in _in(part):
        for imp in imports(mod.name):
            if not imp.own or imp.target not in modules():
                continue
            other = modules()[imp.target].part
            if _layer(other) > _layer(part):
                out.append(
                    f"{mod.rel}:{imp.line}: rule 1 (layers): {part} imports {imp.target}, "
                    f"which is in {other}, a part above it"
                )
    return list(dict.fromkeys(out))


def check_local_imports(part: str) -> list[str]:
    found = [
        f"{mod.rel}:{imp.line}: rule 2 (imports at the top): {imp.target} is imported "
        "inside a function"
        for mod in _in(part)
        for imp in imports(mod.name)
        if imp.own and imp.local and not imp.type_only
    ]
    return list(dict.fromkeys(found))


@cache
def cycles() -> tuple[tuple[str, ...], ...]:
    """The strongly connected components (more than one module) of the import graph."""
    graph = {
        name: sorted({i.target for i in imports(name) if i.own and i.target in modules()} - {name})
        for name in modules()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(tuple(sorted(comp)))

    for v in graph:
        if v not in index:
            strongconnect(v)
    return tuple(found)


def check_cycles(part: str) -> list[str]:
    out = []
    for comp in cycles():
        members = set(comp)
        for name in comp:
            mod = modules()[name]
            if mod.part != part:
                continue
            for imp in imports(name):
                if imp.own and imp.target in members and imp.target != name:
                    out.append(
                        f"{mod.rel}:{imp.line}: rule 3 (no import loop): imports {imp.target}, "
                        f"which leads back here (loop: {', '.join(comp)})"
                    )
    return out


def check_sizes(part: str) -> list[str]:
    return [
        f"{mod.rel}:{mod.lines}: rule 4 (module size): {mod.lines} lines, more than {MAX_LINES}"
        for mod in _in(part)
        if mod.lines > MAX_LINES
    ]


def check_bare_raises(part: str) -> list[str]:
    out = []
    for mod in _in(part):
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name == "LafastError":
                    out.append(
                        f"{mod.rel}:{node.lineno}: rule 5 (specific errors): bare "
                        "raise LafastError; raise a subclass from errors.py"
                    )
    return out


@cache
def error_classes() -> frozenset[str]:
    tree = modules()["lafast_docs.errors"].tree
    return frozenset(n.name for n in tree.body if isinstance(n, ast.ClassDef))


def check_exception_classes(part: str) -> list[str]:
    bases_known = error_classes() | BUILTIN_EXCEPTIONS
    out = []
    for mod in _in(part):
        if mod.name == "lafast_docs.errors":
            continue
        for node in ast.walk(mod.tree):
            if not isinstance(node, ast.ClassDef):
                continue
            names = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
            if names & bases_known:
                out.append(
                    f"{mod.rel}:{node.lineno}: rule 6 (errors in errors.py): exception class "
                    f"{node.name} is defined outside lafast_docs/errors.py"
                )
    return out


def check_heavy_imports(part: str) -> list[str]:
    return [
        f"{mod.rel}:{imp.line}: rule 7 (lazy heavy imports): {imp.target} is imported at "
        "module level; import it inside the function of the module that wraps it"
        for mod in _in(part)
        for imp in imports(mod.name)
        if not imp.own and imp.target in HEAVY and not imp.local and not imp.type_only
    ]


def lazy_declarations(name: str) -> dict[str, str]:
    """The lazy declarations at the top of a module: bound name -> module."""
    found = {}
    for node in ast.walk(modules()[name].tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = _lazy_target(node.value)
            if target is not None and isinstance(node.targets[0], ast.Name):
                found[node.targets[0].id] = target
    return found


def type_checking_modules(name: str) -> dict[str, str]:
    """The modules imported under `if TYPE_CHECKING:` at the top: bound name -> module."""
    mod, known, found = modules()[name], modules(), {}
    for node in mod.tree.body:
        if not (isinstance(node, ast.If) and _is_type_checking(node.test)):
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.ImportFrom):
                base = _resolve(mod, stmt)
                for alias in stmt.names:
                    if f"{base}.{alias.name}" in known:
                        found[alias.asname or alias.name] = f"{base}.{alias.name}"
            elif isinstance(stmt, ast.Import):
                found.update({a.asname: a.name for a in stmt.names if a.asname})
    return found


def check_core_door(part: str) -> list[str]:
    out = []
    for mod in _in(part):
        for imp in imports(mod.name):
            if imp.lazy and mod.name != CORE_DOOR:
                out.append(
                    f"{mod.rel}:{imp.line}: rule 9 (one door): lazy declaration of {imp.target} "
                    f"outside {CORE_DOOR}; declare it there"
                )
            elif imp.lazy and imp.target not in modules():
                out.append(
                    f"{mod.rel}:{imp.line}: rule 9 (one door): lazy declaration of "
                    f"{imp.target}, which is no lafast module"
                )
            elif (
                part == "cli"
                and mod.name != CORE_DOOR
                and imp.own
                and not imp.type_only
                and imp.target in modules()
                and modules()[imp.target].part != "cli"
                and imp.target not in CLI_LIGHT
            ):
                out.append(
                    f"{mod.rel}:{imp.line}: rule 9 (one door): imports {imp.target} at run time; "
                    f"reach it through {CORE_DOOR} (`core.<module>.<name>`), import it only under "
                    "TYPE_CHECKING, or list it in CLI_LIGHT with the reason it is light"
                )
    if part == "cli":
        declared, typed = lazy_declarations(CORE_DOOR), type_checking_modules(CORE_DOOR)
        if declared != typed:
            rel = modules()[CORE_DOOR].rel
            diff = sorted(set(declared.items()) ^ set(typed.items()))
            out.append(
                f"{rel}: rule 9 (one door): the lazy declarations and their TYPE_CHECKING twins "
                f"differ: {diff}"
            )
    return out


CHECKS = {
    "layers": check_layers,
    "local-imports": check_local_imports,
    "cycles": check_cycles,
    "sizes": check_sizes,
    "bare-raises": check_bare_raises,
    "exception-classes": check_exception_classes,
    "heavy-imports": check_heavy_imports,
    "core-door": check_core_door,
}


def test_every_module_belongs_to_a_layer() -> None:
    strays = sorted({m.rel for m in modules().values() if m.part not in LAYERS})
    assert not strays, f"modules outside the parts named in lafast_docs.LAYERS: {strays}"


@pytest.mark.parametrize("part", LAYERS)
@pytest.mark.parametrize("rule", CHECKS)
def test_rules_of_the_house(rule: str, part: str) -> None:
    problems = CHECKS[rule](part)
    assert not problems, "\n" + "\n".join(problems)


def test_no_stray_files() -> None:
    strays = [
        f"{p.relative_to(PKG.parent).as_posix()}: rule 8 (no stray files): not a Python module"
        for p in sorted(PKG.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py"
    ]
    assert not strays, "\n" + "\n".join(strays)


def _run_in_python(code: str) -> list[str]:
    """Run `code` in a fresh interpreter on this checkout; its printed lines."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PKG.parent, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


# the lafast modules that have run (a lazy module not yet used is a LazyModule, not a plain module)
_PRINT_RUN = (
    "import sys, types\n"
    "print(*(n for n, m in list(sys.modules.items())\n"
    "        if n.startswith('lafast_docs') and type(m) is types.ModuleType))\n"
)


@pytest.mark.parametrize(
    "code",
    [
        "import lafast_docs.cli.main\n",
        "from lafast_docs.cli.main import main\nmain(['--help'])\n",
    ],
    ids=["import", "help"],
)
def test_cli_start_runs_no_core_module(code: str) -> None:
    """Rule 9 at run time: starting the cli (and `--help`) runs no module of the core parts;
    they are in sys.modules at most as lazy modules not yet used (cli/core.py says why)."""
    ran = _run_in_python(code + _PRINT_RUN)
    assert "lafast_docs.cli.main" in ran
    core_parts = [p for p in LAYERS if p not in ("errors", "cli")]
    assert core_parts[:1] == ["external"] and "outputs" in core_parts
    early = [n for n in ran if n.split(".")[1:2] and n.split(".")[1] in core_parts]
    assert not early, f"starting the cli ran core modules: {early}"


def test_lazy_modules_are_the_modules() -> None:
    """Each lazy module of cli/core.py runs at first use and is the module a normal import of
    that name gives (the same object, registered in sys.modules)."""
    declared = lazy_declarations(CORE_DOOR)
    code = (
        "import importlib, sys, types\n"
        "from lafast_docs.cli import core\n"
        f"for name, module in {sorted(declared.items())!r}:\n"
        "    handle = getattr(core, name)\n"
        "    assert handle.__name__ == module, (name, handle.__name__)\n"
        "    assert type(handle) is types.ModuleType and sys.modules[module] is handle, name\n"
        "    assert importlib.import_module(module) is handle, name\n"
        "    print(name)\n"
    )
    assert sorted(_run_in_python(code)) == sorted(declared)
