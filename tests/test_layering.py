"""The layout: each part of the system imports only what its docstring allows, with no import loop.

Every subpackage (and shared module) says in its docstring ``May import: ...``; this test reads
those lines and every import statement of every module (top-level or inside a function), so the
docstring is the rule and a forbidden import fails here.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reviewer"
#: Parts whose rules are written in their docstrings. The web layer and the CLI are shells over
#: everything, so they have no list; everything else does.
PARTS = ("engine", "curation", "workflow", "audit", "admin", "demo", "dbroles", "inspection", "supervision", "registry", "messages", "calendar",
         "alerts", "aftercare", "storage", "permissions", "vocabulary",
         "errors", "config", "bootstrap")
MAX_MODULE_LINES = 400


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _part(path: Path) -> str | None:
    rel = path.relative_to(PACKAGE).with_suffix("")
    head = rel.parts[0]
    return head if head in PARTS else None


def _allowed(part: str) -> set[str]:
    path = PACKAGE / part / "__init__.py" if (PACKAGE / part).is_dir() else PACKAGE / f"{part}.py"
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    lines = [line for line in doc.splitlines() if line.startswith("May import:")]
    assert lines, f"{path} has no 'May import:' line in its docstring"
    names = lines[0].removeprefix("May import:").strip()
    if names.startswith("("):
        return set()
    return {name.strip().removeprefix("reviewer.") for name in names.split(",")}


def _imports(path: Path) -> set[str]:
    """The reviewer parts a module imports (``reviewer.X...`` -> ``X``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names if node.module == "reviewer"]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name.startswith("reviewer."):
                found.add(name.split(".")[1])
    return found


@pytest.mark.parametrize("path", [p for p in _modules() if _part(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_what_its_part_allows(path):
    part = _part(path)
    allowed = _allowed(part) | {part}
    assert _imports(path) - allowed == set(), f"{path.name} of {part} may import only {sorted(allowed)}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_longer_than_the_limit(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines"


def test_the_parts_do_not_import_each_other_in_a_loop():
    graph = {part: _allowed(part) - {part} for part in PARTS}
    for path in _modules():
        part = _part(path)
        if part:
            graph[part] &= _imports(path) | graph[part]

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
                   for nxt in graph.get(start, ()))

    loops = sorted(part for part in PARTS if reaches(part, part, {part}))
    assert loops == []


@pytest.mark.parametrize("module", ["reviewer.engine", "reviewer.workflow", "reviewer.audit.chain",
                                    "reviewer.admin.security", "reviewer.audit.exports", "reviewer.cli.check"])
def test_domain_module_does_not_import_flask(module):
    code = f"import sys, {module}; print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_check_command_does_not_load_the_database_layer():
    code = "import sys, reviewer.cli.check; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_the_engine_loads_without_the_database_or_the_web_framework():
    code = "import sys, reviewer.engine; print(any(m in sys.modules for m in ('sqlalchemy', 'flask')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
