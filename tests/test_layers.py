"""The arrows between apps point one way (README, "How the code is laid out").

Every import in every module, at the top or inside a function, is checked: venues imports
no app; programmes may import venues; facilitators and expenses may import programmes and
venues but not each other; every app may import the kernel (hope/, less hope/site/); the
kernel imports no app; only the site layer (hope/site/) imports every app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = {"hope", "programmes", "facilitators", "venues", "expenses"}

# What each layer may import, besides itself and anything outside the project.
ALLOWED = {
    "kernel": {"kernel"},
    "venues": {"kernel"},
    "programmes": {"kernel", "venues"},
    "facilitators": {"kernel", "venues", "programmes"},
    "expenses": {"kernel", "venues", "programmes"},
    "site": {"kernel", "venues", "programmes", "facilitators", "expenses"},
}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] not in APPS:
        return None
    if parts[0] == "hope":
        return "site" if parts[1:2] == ["site"] else "kernel"
    return parts[0]


def imports_of(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # "from hope import site" reaches another layer through the name imported.
            found += [
                (node.lineno, f"{node.module}.{alias.name}")
                for alias in node.names
                if layer_of(f"{node.module}.{alias.name}") != layer_of(node.module)
            ]
    return found


def project_modules():
    for app in sorted(APPS):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # migrations name other apps' models by string
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield module, path


def forbidden_imports(module: str, source: str) -> list[str]:
    own = layer_of(module)
    wrong = set()
    for line, name in imports_of(source):
        target = layer_of(name)
        if target is not None and target != own and target not in ALLOWED[own]:
            wrong.add(f"line {line}: {name} ({own} → {target})")
    return sorted(wrong)


@pytest.mark.parametrize(
    ("module", "path"), list(project_modules()), ids=[m for m, _ in project_modules()]
)
def test_imports_point_one_way(module, path):
    assert forbidden_imports(module, path.read_text()) == [], f"{path.relative_to(ROOT)}"


def test_the_check_catches_wrong_arrows():
    source = (
        "from programmes.models import Session\n"
        "def f():\n    from facilitators.models import SessionClaim\n"
        "from hope import site\n"
        "from hope.models import User\n"
    )
    assert forbidden_imports("venues.views", source) == [
        "line 1: programmes.models (venues → programmes)",
        "line 3: facilitators.models (venues → facilitators)",
        "line 4: hope.site (venues → site)",
    ]
    assert forbidden_imports("hope.outbox", "import expenses.alerts\n") == [
        "line 1: expenses.alerts (kernel → expenses)"
    ]
    assert forbidden_imports("hope.site.views", "import expenses.alerts\n") == []
