"""A scratch dbt project for candidate scoring rules, beside the warehouse and never in it.

`lead-scoring validate` and `lead-scoring preview` build models from a folder of candidate seed
files (any of the project's seed CSVs; the files it lacks come from `seeds/`). They run the
project's own models and macros, so a candidate is checked and scored by exactly the SQL the daily
run uses:

- the scratch project links the project's models, macros, snapshots and tests, and has a seeds
  folder of its own: the project's seeds with the candidate files over them;
- the scratch database (profile target `rules`) attaches the warehouse read-only under its own
  name; every warehouse table and view appears in the scratch database as a view, so a model the
  candidate rules leave alone (staging, for one) is read from the warehouse instead of rebuilt,
  and nothing in the warehouse changes.

The scratch project lives under the dbt project's target/ (rule_workspaces/), the scratch
database in a work folder beside the warehouse file (rule_candidates/.work/); both are kept
between calls so that dbt reparses only what changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lead_scoring import dbt_process, settings
from lead_scoring.warehouse import sql_string

# What the scratch project links from the project (dbt reads them; nothing is written there).
LINKED = ("models", "macros", "snapshots", "tests", "analyses")
SCRATCH_DB_NAME = "rule_candidates.duckdb"  # its stem is the database name dbt uses; not lead_scoring
# The warehouse's database name: its views name their tables with it, so it is attached under it.
WAREHOUSE_ALIAS = "lead_scoring"
WAREHOUSE_LINK = "warehouse.duckdb"  # in run_dir, to the warehouse (profiles.yml, target rules)


class CandidateRulesError(ValueError):
    """A candidate folder that cannot be used; the message says why in one line."""


class WarehouseInUseError(RuntimeError):
    """Another process writes the warehouse (a run): it cannot be read until that ends."""


def seed_files() -> dict[str, Path]:
    """The project's seed files by seed name."""
    return {path.stem: path for path in sorted((settings.DBT_PROJECT_DIR / "seeds").glob("*.csv"))}


def candidate_files(rules_dir: Path) -> dict[str, Path]:
    """The seed files of a candidate folder by seed name; CandidateRulesError for a folder that is
    missing, has no seed file, or has a CSV that is not one of the project's seeds."""
    if not rules_dir.is_dir():
        raise CandidateRulesError(f"{rules_dir} is not a folder")
    known = seed_files()
    files = {path.stem: path for path in sorted(rules_dir.glob("*.csv"))}
    unknown = sorted(set(files) - set(known))
    if unknown:
        raise CandidateRulesError(f"{rules_dir}: {', '.join(name + '.csv' for name in unknown)} "
                                  f"is not a seed of the project (seeds: {', '.join(known)})")
    if not files:
        raise CandidateRulesError(f"{rules_dir} has no seed file (e.g. scoring_engagement_rules.csv)")
    return files


def default_work_dir(warehouse: Path | None = None) -> Path:
    return (warehouse or settings.warehouse_path()).parent / "rule_candidates" / ".work"


@dataclass(frozen=True)
class Workspace:
    """A scratch project and database for one kind of check (`name`: validate, preview, the daily
    job's check). The project (and dbt's parse state) is per dbt project, under its target/, so
    dbt reparses only the candidate seeds from one call to the next, whichever the warehouse; the
    database, with a link to the warehouse, is per warehouse (`work_dir`). dbt runs in `run_dir`
    and finds both by paths relative to it, so the profile dbt hashes for its parse state is the
    same for every warehouse."""

    work_dir: Path
    name: str

    @property
    def home(self) -> Path:
        return settings.DBT_PROJECT_DIR / settings.dbt_target_path() / "rule_workspaces" / self.name

    @property
    def project_dir(self) -> Path:
        return self.home / "project"

    @property
    def run_dir(self) -> Path:
        return self.work_dir / self.name

    @property
    def database(self) -> Path:
        return self.run_dir / SCRATCH_DB_NAME

    @property
    def log_file(self) -> Path:
        return self.run_dir / "dbt.log"

    def prepare(self, rules_dir: Path | None) -> dict[str, Path]:
        """The scratch project with the candidate seeds of `rules_dir` (None: the project's own),
        and an empty scratch database. Returns the candidate files used."""
        candidates = candidate_files(rules_dir) if rules_dir is not None else {}
        project = self.project_dir
        project.mkdir(parents=True, exist_ok=True)
        for name in LINKED:
            link, source = project / name, settings.DBT_PROJECT_DIR / name
            # A link made for another folder of the project (moved or removed since, or another
            # copy sharing an absolute DBT_TARGET_PATH) would read its files, or nothing.
            if link.is_symlink() and link.resolve() != source.resolve():
                link.unlink()
            if source.exists() and not link.exists():
                link.symlink_to(source, target_is_directory=True)
        shutil.copyfile(settings.DBT_PROJECT_DIR / "dbt_project.yml", project / "dbt_project.yml")
        seeds = project / "seeds"
        shutil.rmtree(seeds, ignore_errors=True)
        seeds.mkdir()
        for path in (settings.DBT_PROJECT_DIR / "seeds").iterdir():
            if path.suffix in {".csv", ".yml", ".md"}:
                shutil.copyfile(candidates.get(path.stem, path) if path.suffix == ".csv" else path, seeds / path.name)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for path in (self.database, Path(f"{self.database}.wal")):
            path.unlink(missing_ok=True)
        return candidates

    def mirror_warehouse(self, warehouse: Path | None, skip: set[tuple[str, str]] = frozenset()) -> int:
        """Every table and view of the warehouse as a view in the scratch database (but the
        relations in `skip`, which the build makes), so unselected models and sources read the
        warehouse. Returns how many; 0 without a warehouse."""
        if warehouse is None:
            return 0
        with duckdb.connect(str(self.database)) as con:
            con.execute(f"attach {sql_string(warehouse)} as {WAREHOUSE_ALIAS} (read_only)")
            relations = con.execute(
                "select table_schema, table_name from information_schema.tables where table_catalog = ? "
                "and table_schema not in ('information_schema', 'pg_catalog')", [WAREHOUSE_ALIAS]).fetchall()
            for schema, table in relations:
                if (schema, table) in skip:
                    continue
                con.execute(f'create schema if not exists "{schema}"')
                con.execute(f'create or replace view "{schema}"."{table}" as select * from {WAREHOUSE_ALIAS}."{schema}"."{table}"')
        return len(relations)

    def dbt(self, args: list[str], warehouse: Path | None) -> subprocess.CompletedProcess:
        """dbt in the scratch project against the scratch database; its output is kept in
        `log_file` (a failure's lines are the caller's to show)."""
        # The profile (target `rules`) names both databases relative to run_dir: the scratch one,
        # and the warehouse through a link (without a warehouse, an empty database stands in).
        link = self.run_dir / WAREHOUSE_LINK
        link.unlink(missing_ok=True)
        link.symlink_to(warehouse or self._empty_warehouse())
        env = {key: value for key, value in os.environ.items() if not key.startswith("LEAD_SCORING_RULES_")}
        env |= {
            "DBT_PROFILES_DIR": str(settings.DBT_PROJECT_DIR),
            "LEAD_SCORING_TARGET": "rules",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        command = [dbt_process.executable(), *args, "--project-dir", str(self.project_dir),
                   "--target-path", str(self.home / "target"), "--log-path", str(self.home / "logs")]
        result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=self.run_dir)
        self.log_file.write_text(result.stdout + result.stderr)
        return result

    def _empty_warehouse(self) -> Path:
        path = self.run_dir / "no_warehouse" / f"{WAREHOUSE_ALIAS}.duckdb"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            duckdb.connect(str(path)).close()
        return path

    def connect(self) -> duckdb.DuckDBPyConnection:
        """The scratch database after a build (read-only)."""
        return duckdb.connect(str(self.database), read_only=True)


def existing_warehouse(path: Path | None = None) -> Path | None:
    """The warehouse file (default: settings.warehouse_path()) when it exists."""
    path = path or settings.warehouse_path()
    return path if path.exists() else None
