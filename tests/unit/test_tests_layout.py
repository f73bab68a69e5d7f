"""The layout of tests/: test modules sit in unit/, integration/, engines/ or ui/ under names unique
across the folders (pytest imports them by base name), share code only through helpers.py and
conftest.py, and never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import PROJECT_DIR

TESTS_DIR = PROJECT_DIR / "tests"
FOLDERS = ("unit", "integration", "engines", "ui")


def python_files() -> list[Path]:
    return sorted(TESTS_DIR.rglob("*.py"))


def all_test_modules() -> list[Path]:
    return [p for p in python_files() if p.name.startswith("test_")]


def imported_top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_helpers_is_the_only_module_beside_the_tests_and_conftest():
    others = [str(p.relative_to(TESTS_DIR)) for p in python_files() if not p.name.startswith("test_") and p.name != "conftest.py"]
    assert others == ["helpers.py"]


def test_every_test_module_sits_in_one_of_the_four_folders_under_a_unique_name():
    misplaced = [str(p.relative_to(TESTS_DIR)) for p in all_test_modules() if p.parent.parent != TESTS_DIR or p.parent.name not in FOLDERS]
    assert misplaced == []
    names = [p.name for p in all_test_modules()]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_no_module_of_tests_imports_a_test_module():
    test_names = {p.stem for p in all_test_modules()} | {"conftest"}
    imports = {str(p.relative_to(TESTS_DIR)): sorted(imported_top_level_names(p) & test_names) for p in python_files()}
    assert {path: names for path, names in imports.items() if names} == {}


def test_the_import_check_sees_imports_of_every_form(tmp_path):
    """Guard against a check that passes because it reads nothing."""
    module = tmp_path / "test_example.py"
    module.write_text("import test_a\nimport test_b.sub as b\nfrom test_c import x\nfrom . import test_d\n"
                      "def f():\n    from conftest import y\n")
    assert imported_top_level_names(module) == {"test_a", "test_b", "test_c", "conftest"}
    assert len(all_test_modules()) > 30
