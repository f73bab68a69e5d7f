"""The scratch project of a rule check (lead_scoring/rule_workspace.py) links the project's own
folders, also where a link of an earlier workspace points to a folder moved or removed since."""

from __future__ import annotations

from lead_scoring import settings
from lead_scoring.rule_workspace import LINKED, Workspace


def test_links_left_for_another_project_folder_are_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    workspace = Workspace(tmp_path / "work", "validate")
    workspace.project_dir.mkdir(parents=True)
    # A link to a project copy that is gone, and one to a copy that is still there.
    (workspace.project_dir / "models").symlink_to(tmp_path / "gone" / "models", target_is_directory=True)
    (tmp_path / "other" / "macros").mkdir(parents=True)
    (workspace.project_dir / "macros").symlink_to(tmp_path / "other" / "macros", target_is_directory=True)

    workspace.prepare(None)

    for name in LINKED:
        if (settings.DBT_PROJECT_DIR / name).exists():
            assert (workspace.project_dir / name).resolve() == (settings.DBT_PROJECT_DIR / name).resolve(), name
