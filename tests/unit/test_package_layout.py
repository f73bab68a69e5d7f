"""The plain package and the Dagster code location stay apart (docs/development.md#layout)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from helpers import PROJECT_DIR

PACKAGE = PROJECT_DIR / "lead_scoring"
CODE_LOCATION = PROJECT_DIR / "orchestration"
# What a Dagster code location holds (dagster-open-platform's split); anything else belongs in the package.
CODE_LOCATION_MODULES = {"__init__", "definitions", "assets", "checks", "jobs", "sensors", "resources", "alerts",
                         "loggers", "dead_runs", "run_launcher", "dbt_project", "local_run"}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_of_the_package_imports_dagster():
    offenders = {
        str(path.relative_to(PROJECT_DIR)): sorted(m for m in _imported_modules(path) if m.split(".")[0] in {"dagster", "dagster_dbt"})
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}


def test_the_package_only_reaches_the_code_location_to_run_the_job():
    # `lead-scoring demo | run` hand the run to the code location; nothing else in the package may.
    reaching = {
        str(path.relative_to(PROJECT_DIR)): sorted(m for m in _imported_modules(path) if m.split(".")[0] == "orchestration")
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    assert {path: mods for path, mods in reaching.items() if mods} == {"lead_scoring/cli.py": ["orchestration.local_run"]}


def test_importing_every_module_of_the_package_loads_no_dagster():
    code = (
        "import importlib, pkgutil, sys, lead_scoring\n"
        "for m in pkgutil.walk_packages(lead_scoring.__path__, 'lead_scoring.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(k for k in sys.modules if k.split('.')[0] in {'dagster', 'dagster_dbt', 'orchestration'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_code_location_holds_only_dagster_definitions():
    modules = {path.stem if path.parent == CODE_LOCATION else path.parent.name
               for path in CODE_LOCATION.rglob("*.py")}
    assert modules <= CODE_LOCATION_MODULES, f"plain Python belongs in lead_scoring/: {sorted(modules - CODE_LOCATION_MODULES)}"
