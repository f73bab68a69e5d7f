"""`lead-scoring validate [--rules DIR]`: every problem of the scoring and activation seeds (the
project's, or a folder of candidate seed files) in one short list, in seconds, without building
the warehouse; the daily job runs the same check before it loads anything.

Two kinds of finding, each naming the seed, the row, the column and what is wrong:
- errors stop a run: the file checks below (text encoding, header, field counts) and the rows of
  model int_scoring_config_problems, the same SQL whose post-hook stops `dbt build`;
- warnings do not: the rows of model int_scoring_config_warnings (edits that cannot take effect,
  rules and gates that matched nothing in the warehouse lately).
Both models are built in a scratch database (lead_scoring/rule_workspace.py), never the warehouse.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from lead_scoring import rule_workspace, settings

# The models a check builds besides the seeds: the problems (with the event mapping's), the typed
# rules the warnings read, the warnings.
CHECK_MODELS = ("int_event_type_mapping_problems", "int_scoring_config_problems", "int_scoring_models", "int_fit_rules", "int_engagement_rules",
                "int_scoring_config_warnings")
ROW_KEYS = {"activation_rules": "action_id", "activation_suppressions": "suppression", "event_type_mapping": "source"}
# Columns a seed gained later, at the end of its header: a row may leave them off (dbt loads them
# empty), so rows written before them still load - an activation rule without a target is a lead's.
LATER_COLUMNS = {"activation_rules": ("target", "account_state", "min_account_score", "min_engaged_leads")}


@dataclass(frozen=True)
class Finding:
    level: str  # error | warning
    seed: str
    row: str
    column: str
    message: str


@dataclass
class Validation:
    rules_dir: Path | None
    findings: list[Finding] = field(default_factory=list)
    as_of: str | None = None  # the scoring day the warehouse checks looked back from; None: not run
    seconds: float = 0.0
    log_file: Path | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    def render(self) -> str:
        where = str(self.rules_dir) if self.rules_dir else "the project's seeds"
        checked = (f"warehouse checks on the {lookback_days()} days up to {self.as_of}" if self.as_of
                   else "no warehouse checks (no warehouse yet)")
        head = (f"Scoring rules ({where}): {len(self.errors)} error(s), {len(self.warnings)} warning(s); "
                f"{checked}; {self.seconds:.1f} s.")
        rows = [(f.level, f.seed, f.row, f.column, f.message) for f in sorted(self.findings, key=_order)]
        widths = [max([len(r[i]) for r in rows], default=0) for i in range(4)]
        lines = [head] + ["  " + "  ".join(cell.ljust(width) for cell, width in zip(r[:4], widths)) + "  " + r[4] for r in rows]
        if self.errors:
            lines.append("Fix the errors: a run with them stops before anything is rescored.")
        return "\n".join(lines)


def _order(finding: Finding) -> tuple:
    return (finding.level != "error", finding.seed, finding.row, finding.column, finding.message)


def lookback_days() -> int:
    match = re.search(r"^\s*rule_checks_lookback_days:\s*(\d+)", (settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text(), re.M)
    return int(match.group(1)) if match else 90


def check_files(candidates: dict[str, Path]) -> list[Finding]:
    """What dbt could not even load: text that is not UTF-8, a header without the seed's columns
    (or with others), a row with another number of fields than the header (but for the
    LATER_COLUMNS a row may leave off at its end)."""
    project = rule_workspace.seed_files()
    findings = []
    for name, path in candidates.items():
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            findings.append(Finding("error", name, f"line {line}", "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): save the file as UTF-8"))
            continue
        rows = list(csv.reader(io.StringIO(text)))
        expected = next(csv.reader(io.StringIO(project[name].read_text(encoding="utf-8"))))
        header = [column.strip() for column in rows[0]] if rows else []
        missing = [c for c in expected if c not in header]
        extra = [c for c in header if c not in expected]
        if missing or extra:
            what = "; ".join(part for part in (f"missing {', '.join(missing)}" if missing else "",
                                                f"unknown {', '.join(extra)}" if extra else "") if part)
            findings.append(Finding("error", name, "header", "", f"the columns must be those of seeds/{name}.csv: {what}"))
            continue
        for number, row in enumerate(rows[1:], start=2):
            left_off = header[len(row):]  # a shorter row's missing columns
            if row and len(row) != len(header) and not (left_off and set(left_off) <= set(LATER_COLUMNS.get(name, ()))):
                findings.append(Finding("error", name, f"line {number}", "", f"{len(row)} fields, the header has {len(header)} (a comma in an unquoted value?)"))
    return findings


def warehouse_as_of(warehouse: Path) -> str | None:
    """The scoring day of the warehouse's last build (None when it has no scores yet);
    rule_workspace.WarehouseInUseError while another process writes it."""
    import duckdb

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        holder = re.search(r"\(PID (\d+)\)", str(exc))
        raise rule_workspace.WarehouseInUseError(
            f"the warehouse {warehouse} is being written by another process{f' (PID {holder.group(1)})' if holder else ''}, "
            "probably a run: try again when it has finished") from None
    with con:
        try:
            value = con.execute("select max(as_of_date) from marts.mart_lead_scores_current").fetchone()[0]
        except duckdb.CatalogException:
            return None
    return value.isoformat() if value is not None else None


def validate(rules_dir: Path | None = None, use_warehouse: bool = True, work_dir: Path | None = None,
             warehouse: Path | None = None, name: str = "validate") -> Validation:
    """Check the candidate seeds of `rules_dir` (None: the project's seeds); warehouse checks when
    `use_warehouse` and the warehouse (default: settings.warehouse_path()) exists with scores.
    `name` keeps the scratch folders of different callers apart (the daily job's, a user's).
    Raises rule_workspace.CandidateRulesError for a folder that is not one of candidate seeds."""
    started = time.perf_counter()
    result = Validation(rules_dir)
    workspace = rule_workspace.Workspace(work_dir or rule_workspace.default_work_dir(warehouse), name)
    candidates = workspace.prepare(rules_dir)
    result.log_file = workspace.log_file
    result.findings = check_files(candidates)
    if result.findings:
        result.seconds = time.perf_counter() - started
        return result
    warehouse = rule_workspace.existing_warehouse(warehouse) if use_warehouse else None
    as_of = warehouse_as_of(warehouse) if warehouse else None
    warehouse = warehouse if as_of else None
    built = {("seeds", name) for name in rule_workspace.seed_files()} | {("intermediate", model) for model in CHECK_MODELS}
    workspace.mirror_warehouse(warehouse, skip=built)
    dbt_vars = {"raise_scoring_config_problems": False, "scoring_as_of_date": as_of or "", "rule_checks_read_warehouse": bool(warehouse)}
    completed = workspace.dbt(["build", "--select", "resource_type:seed", *CHECK_MODELS, "--exclude", "resource_type:test", "resource_type:unit_test",
                               "--vars", json.dumps(dbt_vars), "--quiet"], warehouse)
    with workspace.connect() as con:
        tables = {row[0] for row in con.execute("select table_name from information_schema.tables "
                                                "where table_schema = 'intermediate' and table_type = 'BASE TABLE'").fetchall()}
        has_problems = "int_scoring_config_problems" in tables and result_from_problems(con, result, tables)
    if completed.returncode != 0 and not has_problems:
        result.findings.append(Finding("error", "", "", "", dbt_failure(completed.stdout + completed.stderr, workspace.log_file)))
    result.as_of = as_of
    result.seconds = time.perf_counter() - started
    return result


def result_from_problems(con, result: Validation, tables: set[str]) -> bool:
    """Add the problems and warnings the scratch build left; False when it left no problem (the
    build failed for another reason)."""
    headers = {name: next(csv.reader(io.StringIO(path.read_text(encoding="utf-8")))) for name, path in rule_workspace.seed_files().items()}
    problems = con.execute("select seed_name, model_id, rule_id, problem from intermediate.int_scoring_config_problems").fetchall()
    for seed, model_id, rule_id, problem in problems:
        result.findings.append(Finding("error", seed, row_key(seed, model_id, rule_id), problem_column(problem, headers.get(seed, [])), problem))
    if "int_scoring_config_warnings" in tables:
        for seed, model_id, rule_id, column, warning in con.execute(
                "select seed_name, model_id, rule_id, column_name, warning from intermediate.int_scoring_config_warnings").fetchall():
            result.findings.append(Finding("warning", seed, row_key(seed, model_id, rule_id), column, warning))
    return bool(problems)


def row_key(seed: str, model_id: str | None, rule_id: str | None) -> str:
    """The row as the seed names it: model_id and rule_id, an activation's action_id, a suppression."""
    parts = [] if seed == "activation_suppressions" or not model_id else [f"model_id={model_id}"]
    if rule_id:
        parts.append(f"{ROW_KEYS.get(seed, 'rule_id')}={rule_id}")
    return ", ".join(parts) or "(whole seed)"


def problem_column(problem: str, columns: list[str]) -> str:
    """The column a problem's message is about: the first of the seed's columns it names."""
    for word in re.findall(r"[a-z_]+", problem):
        if word in columns:
            return word
    # A suppression's unknown stage or event type is its value.
    return "value" if "value" in columns and problem.startswith("unknown") else ""


def dbt_failure(output: str, log_file: Path) -> str:
    """A failed scratch build other than a configuration problem, in a line or two: dbt's first
    error and the line after it."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in output.splitlines()]
    lines = [re.sub(r"^\d\d:\d\d:\d\d\s+", "", line) for line in lines if line]
    first = next((i for i, line in enumerate(lines) if "Error in" in line or line.startswith("Error")), None)
    message = " ".join(lines[first:first + 2]) if first is not None else "the scratch build failed"
    return f"{message} (dbt's output: {log_file})"
