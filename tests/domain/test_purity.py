"""The pure core stays pure: `prolotrack/domain` never imports Django or the Django apps.

It may use the standard library, the pure computation libraries listed below, itself and
`prolotrack.knowledge`.

A static check (ast, nothing is imported), so a module that would import Django at import time
is caught even when Django is installed.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import prolotrack.domain

DOMAIN_PACKAGE = "prolotrack.domain"
DOMAIN_DIR = Path(prolotrack.domain.__file__).parent


# Pure computation libraries the core may use (no I/O, no framework); Django never.
PURE_THIRD_PARTY = frozenset({"numpy", "pandas", "scipy", "statsmodels", "lifelines", "pydantic"})
# Other prolotrack packages that are themselves free of Django: the knowledge data.
PURE_PROLOTRACK = ("prolotrack.domain", "prolotrack.knowledge")


def _allowed(module: str) -> bool:
    if any(module == name or module.startswith(name + ".") for name in PURE_PROLOTRACK):
        return True
    top = module.partition(".")[0]
    if top == "prolotrack":
        return False
    return top in sys.stdlib_module_names or top in PURE_THIRD_PARTY


def _resolve_from(node: ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """Absolute names that a `from X import a, b` brings in."""
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        parts = package.split(".")
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    if base != "prolotrack":
        return [base]
    # `from prolotrack import domain` is fine, `from prolotrack import patients` is not.
    return [f"{base}.{alias.name}" for alias in node.names]


def _dynamic_import(node: ast.Call) -> str | None:
    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
    if name not in {"__import__", "import_module"} or not node.args:
        return None
    first = node.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def forbidden_imports(source: str, *, module: str, is_package: bool = False) -> list[str]:
    """Imported module names in `source` that the pure core must not use."""
    imported: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.extend(_resolve_from(node, module, is_package))
        elif isinstance(node, ast.Call) and (name := _dynamic_import(node)) is not None:
            imported.append(name)
    return [name for name in imported if not _allowed(name)]


def _domain_modules(root: Path) -> list[tuple[Path, str, bool]]:
    modules = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).with_suffix("")
        is_package = relative.name == "__init__"
        parts = relative.parts[:-1] if is_package else relative.parts
        modules.append((path, ".".join((DOMAIN_PACKAGE, *parts)), is_package))
    return modules


def impure_modules(root: Path) -> dict[str, list[str]]:
    """Module name -> forbidden imports, for every module under `root` (the domain package)."""
    return {
        name: found
        for path, name, is_package in _domain_modules(root)
        if (found := forbidden_imports(path.read_text(), module=name, is_package=is_package))
    }


def test_no_domain_module_imports_django_or_the_apps() -> None:
    names = [name for _, name, _ in _domain_modules(DOMAIN_DIR)]
    assert "prolotrack.domain.synthetic" in names  # the walk really found the package
    assert impure_modules(DOMAIN_DIR) == {}


def test_walk_finds_an_impure_module_in_a_subpackage(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "clean.py").write_text("import math\nfrom . import other\n")
    (tmp_path / "scoring").mkdir()
    (tmp_path / "scoring" / "__init__.py").write_text("from ...patients import models\n")
    (tmp_path / "scoring" / "womac.py").write_text("from django.conf import settings\n")
    assert impure_modules(tmp_path) == {
        "prolotrack.domain.scoring": ["prolotrack.patients"],
        "prolotrack.domain.scoring.womac": ["django.conf"],
    }


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import django", ["django"]),
        ("from django.db import models", ["django.db"]),
        ("import django.conf as conf", ["django.conf"]),
        ("from prolotrack.patients.models import Patient", ["prolotrack.patients.models"]),
        ("from prolotrack import patients, domain", ["prolotrack.patients"]),
        ("from .. import patients", ["prolotrack.patients"]),
        ("from ..treatment import services", ["prolotrack.treatment"]),
        ("import requests", ["requests"]),
        ("from prolotrack.web import views", ["prolotrack.web"]),
        ("import importlib\nimportlib.import_module('django.conf')", ["django.conf"]),
        ("def f():\n    import django.db\n", ["django.db"]),
    ],
)
def test_checker_flags_forbidden_imports(source: str, expected: list[str]) -> None:
    assert forbidden_imports(source, module="prolotrack.domain.example") == expected


@pytest.mark.parametrize(
    "source",
    [
        "import random\nfrom datetime import date\nfrom collections.abc import Iterator",
        "from prolotrack.domain import synthetic_data as data",
        "from prolotrack.domain.synthetic import generate_cohort",
        "from prolotrack import domain",
        "from . import synthetic_data",
        "from .synthetic_data import PROTOCOLS",
        "import numpy as np\nimport pandas as pd",
        "from prolotrack.knowledge import icd10_codes",
    ],
)
def test_checker_allows_stdlib_and_domain(source: str) -> None:
    assert forbidden_imports(source, module="prolotrack.domain.example") == []


def test_checker_resolves_relative_imports_from_a_subpackage_init() -> None:
    source = "from . import scoring\nfrom .. import dosing\nfrom ... import patients"
    found = forbidden_imports(source, module="prolotrack.domain.instruments", is_package=True)
    assert found == ["prolotrack.patients"]
