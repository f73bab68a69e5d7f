"""Options of one pipeline run: run tags first, then environment variables, then defaults.

Run tags can be set per run (UI Launchpad, `dagster job execute --tags`, the landing-folder
sensor); environment variables apply to every run of a process (`make run`, `make dev`).

lead_scoring/as_of_date   LEAD_SCORING_AS_OF_DATE   YYYY-MM-DD: the day the run stands for. The
                          freshness check measures against the end of that day instead of the
                          clock, and dbt gets it in its environment as LEAD_SCORING_AS_OF_DATE
                          (dbt_env; not as a var, which would make dbt parse the whole project
                          again for each new day). For replaying an old export; unset for the
                          daily run. Without it, a set LEAD_SCORING_SAMPLE_END_DATE is the
                          freshness check's day.
lead_scoring/full_refresh                           "true": `dbt build --full-refresh`, rebuilding
                          incremental models from the whole raw history.
lead_scoring/data_test_scope                        "all" or "changed": which rows the dbt data tests
                          check (the dbt var data_test_scope). Default: "changed" for the daily
                          `dbt build` (tests on lead-grain models check the leads the run
                          rescored; unit tests are left to `make test`), "all" for a full refresh
                          and for a test-only run (the weekly schedule).
lead_scoring/raw_dir      LEAD_SCORING_RAW_DIR      folder of raw files to load (the sensor sets it
                          to the landing folder it watched). Blank, or a folder that does not
                          exist, fails the run with a message naming the setting.
lead_scoring/sample_data  LEAD_SCORING_SAMPLE_DATA  "true": without a folder, load generated sample
                          data. Nothing else leads to sample data; `lead-scoring demo` and
                          `make dev` (without LEAD_SCORING_RAW_DIR) set it.
                          LEAD_SCORING_FRESHNESS_HOURS  hours without a new event after which the
                          freshness check fails (default 36).
                          LEAD_SCORING_LANDING_DIR  folder the landing sensor watches (default
                          LEAD_SCORING_RAW_DIR); blank is an error naming it.

Every `dbt build` also gets the project's git commit as the var `scoring_config_commit`
(scoring_config_commit below), which the rule history records with each new scoring configuration.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lead_scoring import settings

AS_OF_DATE_TAG = "lead_scoring/as_of_date"
AS_OF_DATE_VAR = "LEAD_SCORING_AS_OF_DATE"
FULL_REFRESH_TAG = "lead_scoring/full_refresh"
DATA_TEST_SCOPE_TAG = "lead_scoring/data_test_scope"
DATA_TEST_SCOPES = ("all", "changed")
RAW_DIR_TAG = "lead_scoring/raw_dir"
SAMPLE_DATA_TAG = "lead_scoring/sample_data"
TRIGGER_TAG = "lead_scoring/trigger"

DEFAULT_FRESHNESS_HOURS = 36.0


def as_of_date(tags: Mapping[str, str]) -> dt.date | None:
    value = tags.get(AS_OF_DATE_TAG) or os.environ.get(AS_OF_DATE_VAR)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"as-of date must be YYYY-MM-DD, got {value!r}") from exc


def reference_time(tags: Mapping[str, str]) -> dt.datetime:
    """'Now' for the freshness check: the end of the as-of day when one is set, else the end of
    LEAD_SCORING_SAMPLE_END_DATE (simulated data ending on a fixed day has no wall clock), else
    the wall clock (UTC)."""
    day = as_of_date(tags)
    if day is None and os.environ.get("LEAD_SCORING_SAMPLE_END_DATE"):
        day = dt.date.fromisoformat(os.environ["LEAD_SCORING_SAMPLE_END_DATE"])
    if day is None:
        return dt.datetime.now(dt.timezone.utc)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc) + dt.timedelta(days=1)


def full_refresh(tags: Mapping[str, str]) -> bool:
    return tags.get(FULL_REFRESH_TAG, "").strip().lower() in {"1", "true", "yes"}


def data_test_scope(tags: Mapping[str, str], tests_only: bool = False) -> str:
    """"all" or "changed" (see the module's docstring); another tag value is a ValueError."""
    value = tags.get(DATA_TEST_SCOPE_TAG, "").strip().lower()
    if not value:
        return "all" if tests_only or full_refresh(tags) else "changed"
    if value not in DATA_TEST_SCOPES:
        raise ValueError(f"The run tag {DATA_TEST_SCOPE_TAG} must be one of {', '.join(DATA_TEST_SCOPES)}, got {value!r}")
    return value


def scoring_config_commit(project_dir: Path = settings.DBT_PROJECT_DIR) -> str:
    """The git commit of the dbt project for the rule history (the dbt var scoring_config_commit):
    `<sha>`, `<sha>+dirty` when the working tree has uncommitted changes (an edited seed not yet
    committed), or "" when the folder is not in a git checkout or git cannot tell."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=project_dir, capture_output=True, text=True, timeout=30)

    try:
        head = git("rev-parse", "--verify", "HEAD")
        status = git("status", "--porcelain") if head.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return ""
    if status is None or status.returncode != 0:
        return ""
    sha = head.stdout.strip()
    return f"{sha}+dirty" if status.stdout.strip() else sha


def dbt_args(tags: Mapping[str, str], tests_only: bool = False) -> list[str]:
    """The dbt command of a run: `dbt build` (with --full-refresh when asked for), or `dbt test`
    for a run of the data tests alone; the data test scope as a var, and for a build the
    project's git commit (scoring_config_commit, when known). A run whose tests check only what
    changed leaves the unit tests, which test the SQL and not the data, to `make test` and full
    refreshes. The vars stay the same from one day to the next, so that dbt keeps its parse state;
    the day itself goes in the environment (dbt_env)."""
    args = ["test"] if tests_only else ["build"]
    if full_refresh(tags) and not tests_only:
        args.append("--full-refresh")
    scope = data_test_scope(tags, tests_only)
    if scope == "changed":
        args += ["--exclude-resource-type", "unit_test"]
    dbt_vars = {"data_test_scope": scope}
    commit = "" if tests_only else scoring_config_commit()
    if commit:
        dbt_vars["scoring_config_commit"] = commit
    return args + ["--vars", json.dumps(dbt_vars)]


def dbt_env(tags: Mapping[str, str], as_of: dt.date | None = None) -> dict[str, str]:
    """What a run adds to dbt's environment: the day it stands for (`as_of`, else the run's) as
    LEAD_SCORING_AS_OF_DATE, which dbt's macro scoring_as_of_date reads; nothing for a run that
    stands for today."""
    as_of = as_of or as_of_date(tags)
    return {} if as_of is None else {AS_OF_DATE_VAR: as_of.isoformat()}


@dataclass(frozen=True)
class RawSource:
    """Where a run's raw data comes from: a folder, sample data generated into one, or, for a CRM
    source (LEAD_SCORING_SOURCE), the tables its connector landed (folder None) or sample data
    generated into the folder and written in the CRM's shape (crm_shapes.write_shape)."""

    folder: Path | None
    sample: settings.SampleSettings | None = None
    crm: str | None = None

    def describe(self) -> str:
        if self.crm is not None and self.sample is None:
            return (f"the {self.crm} tables a connector landed in the warehouse schema {settings.crm_schema(self.crm)} "
                    f"({settings.SOURCE_VAR}={self.crm}); no files are loaded")
        if self.sample is None:
            return f"folder {self.folder}"
        s = self.sample
        shape = (f", written as {self.crm} tables into the warehouse schema {settings.crm_schema(self.crm)} "
                 f"as a connector would land them" if self.crm is not None else "")
        return (f"sample data (asked for by {SAMPLE_DATA_TAG} or {settings.SAMPLE_DATA_VAR}), generated by each run into "
                f"{self.folder} (leads={s.leads}, days={s.days}, seed={s.seed}, end={s.end_date}){shape}")

    def prepare(self, log: Callable[[str], None]) -> Path | None:
        """The folder to load (None: nothing to load); sample data is generated into it first
        (the one place that does)."""
        if self.sample is not None:
            from lead_scoring import progress
            from lead_scoring.sample_data import generate

            s = self.sample
            log(f"Raw data: {self.describe()}")
            progress.report("sample data", f"generating {s.leads} leads over {s.days} days")
            generate(self.folder, n_leads=s.leads, days=s.days, seed=s.seed, end_date=s.end_date)
            progress.report("sample data", f"written to {self.folder}", last=True)
        return self.folder


def sample_data_requested(tags: Mapping[str, str]) -> bool:
    name, value = ((f"The run tag {SAMPLE_DATA_TAG}", tags[SAMPLE_DATA_TAG]) if SAMPLE_DATA_TAG in tags
                   else (settings.SAMPLE_DATA_VAR, os.environ.get(settings.SAMPLE_DATA_VAR)))
    text = (value or "").strip().lower()
    if text not in {"", "0", "false", "no", "1", "true", "yes"}:
        raise settings.RawSourceError(f"{name} must be true or false, got {value!r}")
    return text in {"1", "true", "yes"}


def raw_source(tags: Mapping[str, str]) -> RawSource:
    """The run tag lead_scoring/raw_dir, else LEAD_SCORING_RAW_DIR, else sample data when asked
    for; otherwise settings.RawSourceError, whose message names LEAD_SCORING_RAW_DIR and `make demo`.
    With a CRM source (LEAD_SCORING_SOURCE) the connector's tables, or sample data in their shape
    when asked for; a folder of raw files is then an error, not silently ignored."""
    crm = settings.lead_source()
    if crm != "native":
        if RAW_DIR_TAG in tags or settings.raw_dir() is not None:
            raise settings.RawSourceError(
                f"{settings.SOURCE_VAR}={crm} reads the tables a connector landed, not files: unset "
                f"{settings.RAW_DIR_VAR} (or the run tag {RAW_DIR_TAG}), or set {settings.SOURCE_VAR}=native.")
        if sample_data_requested(tags):
            return RawSource(settings.sample_dir(), settings.SampleSettings.from_env(), crm=crm)
        return RawSource(None, crm=crm)
    if RAW_DIR_TAG in tags:
        return RawSource(settings.folder_setting(tags[RAW_DIR_TAG], f"The run tag {RAW_DIR_TAG}"))
    folder = settings.raw_dir()
    if folder is not None:
        return RawSource(folder)
    if sample_data_requested(tags):
        return RawSource(settings.sample_dir(), settings.SampleSettings.from_env())
    raise settings.RawSourceError(settings.NO_RAW_DIR_MESSAGE)


def landing_dir() -> Path | None:
    """The folder the landing sensor watches: LEAD_SCORING_LANDING_DIR, else LEAD_SCORING_RAW_DIR.
    Either set but blank is settings.RawSourceError; the folder need not exist yet (it is waited for)."""
    for name in ("LEAD_SCORING_LANDING_DIR", settings.RAW_DIR_VAR):
        value = os.environ.get(name)
        if value is not None:
            return settings.folder_setting(value, name, must_exist=False)
    return None


def freshness_max_age_hours() -> float:
    return float(os.environ.get("LEAD_SCORING_FRESHNESS_HOURS", DEFAULT_FRESHNESS_HOURS))
