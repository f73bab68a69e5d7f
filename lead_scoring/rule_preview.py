"""`lead-scoring preview --rules DIR`: what candidate scoring rules would do, beside the live ones,
before they ship; the warehouse and its marts stay as they are.

The candidate seeds (a folder with any of the scoring and activation seed files) are validated
first (lead_scoring/rule_validation.py). Then the models between the scoring seeds and the marts
compared below are built from them in a scratch database (lead_scoring/rule_workspace.py), by the
project's own SQL and on the same scoring day as the warehouse's last build; every other model is
read from the warehouse. The comparison reads the same marts on both sides, so each figure has
the definition it has everywhere else:

- MQLs per month: MQL episodes by month of their MQL day (fct_lead_mql_episodes);
- leads that would newly qualify or drop out: leads with an MQL episode on one side only, with
  examples;
- lead-to-MQL rate against the benchmark range (mart_funnel_health, mature cohorts, metric
  lead_to_mql_rate, seed funnel_benchmarks);
- precision and recall of the MQL against opportunities at the model's threshold, over the leads
  old enough for an outcome (mart_feedback_threshold_sweep, its current-threshold row);
- opportunity and won lift per score band (mart_feedback_score_bands).

It prints a short comparison and writes `preview.md` with two SVG charts into the output folder.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lead_scoring import rule_validation, rule_workspace
from lead_scoring.warehouse import sql_string

PREVIEW_MARTS = ("fct_lead_mql_episodes", "mart_lead_scores_current", "mart_funnel_health",
                 "mart_feedback_threshold_sweep", "mart_feedback_score_bands")
EXAMPLES = 5
MONTHS = 12
LIVE, CANDIDATE = rule_workspace.WAREHOUSE_ALIAS, "rule_candidates"


class PreviewError(RuntimeError):
    """The preview cannot run; the message says why in a line or a short list."""


@dataclass
class Preview:
    rules_dir: Path
    model_id: str
    as_of: str
    validation: rule_validation.Validation
    seconds: float = 0.0
    build_seconds: float = 0.0
    mql_leads: tuple[int, int] = (0, 0)
    newly: list[tuple] = field(default_factory=list)  # lead_id, live score, candidate score, candidate first MQL day
    dropped: list[tuple] = field(default_factory=list)
    newly_count: int = 0
    dropped_count: int = 0
    months: list[tuple] = field(default_factory=list)  # month, live episodes, candidate episodes
    lead_to_mql: dict[str, tuple] = field(default_factory=dict)  # side -> (rate, base_leads, typical_min, typical_max)
    precision_recall: dict[str, tuple] = field(default_factory=dict)  # side -> (threshold, mql_leads, scope, precision, recall)
    bands: list[tuple] = field(default_factory=list)  # band, live leads, live opp lift, cand leads, cand opp lift, live won lift, cand won lift
    report: Path | None = None

    def render(self) -> str:
        def pct(value) -> str:
            return "n/a" if value is None else f"{100 * value:.1f} %"

        live, cand = self.lead_to_mql.get("live"), self.lead_to_mql.get("candidate")
        bench = f"benchmark {pct(live[2])}-{pct(live[3])}" if live and live[2] is not None else "no benchmark"
        pr_live, pr_cand = self.precision_recall.get("live"), self.precision_recall.get("candidate")
        lines = [
            f"Preview of {self.rules_dir} for model {self.model_id}, scoring day {self.as_of} "
            f"(built in {self.build_seconds:.0f} s; live | candidate):",
            f"  leads that became an MQL   {self.mql_leads[0]} | {self.mql_leads[1]}"
            f"   (+{self.newly_count} newly qualify, -{self.dropped_count} drop out)",
            f"  lead-to-MQL rate           {pct(live and live[0])} | {pct(cand and cand[0])}   ({bench}, mature cohorts)",
        ]
        if pr_live and pr_cand:
            lines.append(f"  precision (opportunity)    {pct(pr_live[3])} | {pct(pr_cand[3])}   at threshold {pr_live[0]:g} | {pr_cand[0]:g}, "
                         f"{pr_live[2]} leads old enough")
            lines.append(f"  recall (opportunity)       {pct(pr_live[4])} | {pct(pr_cand[4])}")
        if self.months:
            recent = self.months[-3:]
            lines.append("  MQL episodes, last months  " + ", ".join(f"{m}: {a} | {b}" for m, a, b in recent))
        for band in self.bands:
            lines.append(f"  band {band[0]:<12}          {band[1]} leads, lift {_num(band[2])} | {band[3]} leads, lift {_num(band[4])}")
        if self.validation.warnings:
            lines.append(f"  {len(self.validation.warnings)} warning(s) on the candidate rules: `lead-scoring validate --rules {self.rules_dir}`")
        if self.report:
            lines.append(f"Report: {self.report}")
        return "\n".join(lines)


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def preview(rules_dir: Path, model_id: str | None = None, out_dir: Path | None = None, work_dir: Path | None = None) -> Preview:
    """Build the candidate rules of `rules_dir` beside the warehouse's and compare them (see the
    module's doc). PreviewError when there is no warehouse with scores, or the candidate has errors."""
    started = time.perf_counter()
    candidates = rule_workspace.candidate_files(rules_dir)
    warehouse = rule_workspace.existing_warehouse()
    as_of = rule_validation.warehouse_as_of(warehouse) if warehouse else None
    if as_of is None:
        raise PreviewError("no warehouse with scores to preview against: run the daily job first (`make run`, `make demo`)")
    work_dir = work_dir or rule_workspace.default_work_dir()
    validation = rule_validation.validate(rules_dir, work_dir=work_dir)
    if validation.errors:
        raise PreviewError(validation.render())
    workspace = rule_workspace.Workspace(work_dir, "preview")
    workspace.prepare(rules_dir)
    # Every warehouse relation but the seeds is visible in the scratch database; the build replaces
    # the views of the models it makes with tables of the candidate's.
    workspace.mirror_warehouse(warehouse, skip={("seeds", name) for name in rule_workspace.seed_files()})
    selected = ["resource_type:seed", "int_event_type_mapping_problems", *(f"int_scoring_config_problems+,+{mart}" for mart in PREVIEW_MARTS)]
    if "event_type_mapping" in candidates:
        # A candidate event mapping changes the staged events: they are staged again with it.
        selected += [f"stg_raw__events+,+{mart}" for mart in PREVIEW_MARTS]
    build_started = time.perf_counter()
    completed = workspace.dbt(["build", "--select", *selected,
                               "--exclude", "resource_type:test", "resource_type:unit_test", "resource_type:snapshot",
                               "--vars", json.dumps({"scoring_as_of_date": as_of}), "--quiet"], warehouse)
    if completed.returncode != 0:
        raise PreviewError(rule_validation.dbt_failure(completed.stdout + completed.stderr, workspace.log_file))
    result = Preview(rules_dir, "", as_of, validation, build_seconds=time.perf_counter() - build_started)
    with duckdb.connect(str(workspace.database), read_only=True) as con:
        con.execute(f"attach {sql_string(warehouse)} as {LIVE} (read_only)")
        result.model_id = model_id or _primary_model(con)
        _compare(con, result)
    out_dir = out_dir or (rules_dir / "preview")
    result.report = write_report(result, out_dir)
    result.seconds = time.perf_counter() - started
    return result


def _primary_model(con) -> str:
    row = con.execute(f"select model_id from {CANDIDATE}.intermediate.int_scoring_models where is_primary").fetchone()
    return row[0]


def _compare(con, result: Preview) -> None:
    model = result.model_id
    known = {row[0] for row in con.execute(f"select model_id from {CANDIDATE}.intermediate.int_scoring_models").fetchall()}
    if model not in known:
        raise PreviewError(f"model {model} is not in the candidate's scoring_models ({', '.join(sorted(known))})")

    def first_mqls(side: str) -> str:
        return (f"select lead_id, min(mql_date) as first_mql_date from {side}.marts.fct_lead_mql_episodes "
                f"where model_id = $model group by lead_id")

    def scores(side: str) -> str:
        return f"select lead_id, total_score from {side}.marts.mart_lead_scores_current where model_id = $model"

    diff = f"""
        with live as ({first_mqls(LIVE)}), candidate as ({first_mqls(CANDIDATE)}),
        live_scores as ({scores(LIVE)}), candidate_scores as ({scores(CANDIDATE)})
        select coalesce(live.lead_id, candidate.lead_id) as lead_id, live.first_mql_date is not null as live_mql,
            candidate.first_mql_date is not null as candidate_mql, round(live_scores.total_score, 1) as live_score,
            round(candidate_scores.total_score, 1) as candidate_score,
            coalesce(candidate.first_mql_date, live.first_mql_date) as first_mql_date
        from live full outer join candidate on candidate.lead_id = live.lead_id
        left join live_scores on live_scores.lead_id = coalesce(live.lead_id, candidate.lead_id)
        left join candidate_scores on candidate_scores.lead_id = coalesce(live.lead_id, candidate.lead_id)
    """
    params = {"model": model}
    rows = con.execute(diff, params).fetchall()
    result.mql_leads = (sum(1 for r in rows if r[1]), sum(1 for r in rows if r[2]))
    newly = sorted((r for r in rows if r[2] and not r[1]), key=lambda r: (-(r[4] or 0), r[0]))
    dropped = sorted((r for r in rows if r[1] and not r[2]), key=lambda r: (-(r[3] or 0), r[0]))
    result.newly_count, result.dropped_count = len(newly), len(dropped)
    result.newly = [(r[0], r[3], r[4], r[5]) for r in newly[:EXAMPLES]]
    result.dropped = [(r[0], r[3], r[4], r[5]) for r in dropped[:EXAMPLES]]

    def episodes_per_month(side: str) -> str:
        return (f"select date_trunc('month', mql_date)::date as month, count(*) as episodes from {side}.marts.fct_lead_mql_episodes "
                f"where model_id = $model group by 1")

    months = con.execute(f"""
        with live as ({episodes_per_month(LIVE)}), candidate as ({episodes_per_month(CANDIDATE)})
        select strftime(coalesce(live.month, candidate.month), '%Y-%m'), coalesce(live.episodes, 0), coalesce(candidate.episodes, 0)
        from live full outer join candidate on candidate.month = live.month
        order by 1 desc limit {MONTHS}""", params).fetchall()
    result.months = sorted(months)
    for label, side in (("live", LIVE), ("candidate", CANDIDATE)):
        result.lead_to_mql[label] = con.execute(f"""
            select sum(reached_leads) / nullif(sum(base_leads), 0), sum(base_leads), max(typical_min), max(typical_max)
            from {side}.marts.mart_funnel_health
            where model_id = $model and metric = 'lead_to_mql_rate' and not is_immature""", params).fetchone()
        result.precision_recall[label] = con.execute(f"""
            select threshold, mql_leads, scope_leads, mql_precision, mql_recall
            from {side}.marts.mart_feedback_threshold_sweep where model_id = $model and is_current_threshold""", params).fetchone()
    result.bands = con.execute(f"""
        select coalesce(live.score_band, candidate.score_band), live.leads, live.opportunity_lift, candidate.leads,
            candidate.opportunity_lift, live.won_lift, candidate.won_lift
        from (select * from {LIVE}.marts.mart_feedback_score_bands where model_id = $model) as live
        full outer join (select * from {CANDIDATE}.marts.mart_feedback_score_bands where model_id = $model) as candidate
            on candidate.score_band = live.score_band
        order by coalesce(live.band_order, candidate.band_order)""", params).fetchall()


def write_report(result: Preview, out_dir: Path) -> Path:
    """preview.md with the comparison, and its charts as SVG files beside it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "mql_episodes_per_month.svg").write_text(bar_chart(
        [m for m, _, _ in result.months], [[a for _, a, _ in result.months], [b for _, _, b in result.months]],
        "MQL episodes per month", ("live", "candidate")))
    bands = [b for b in result.bands]
    (out_dir / "opportunity_lift_per_band.svg").write_text(bar_chart(
        [b[0] for b in bands], [[b[2] or 0 for b in bands], [b[4] or 0 for b in bands]], "Opportunity lift per score band", ("live", "candidate")))

    def pct(value) -> str:
        return "n/a" if value is None else f"{100 * value:.1f} %"

    live, cand = result.lead_to_mql.get("live"), result.lead_to_mql.get("candidate")
    pr_live, pr_cand = result.precision_recall.get("live"), result.precision_recall.get("candidate")
    lines = [
        f"# Preview of candidate rules: {result.rules_dir.name}",
        "",
        f"Scoring model `{result.model_id}`, scoring day {result.as_of}. Live: the warehouse as built; candidate: the same data "
        f"scored with the seed files of `{result.rules_dir}` (the project's seeds for the others).",
        "",
        "| measure | live | candidate |",
        "|---|---:|---:|",
        f"| leads that became an MQL | {result.mql_leads[0]} | {result.mql_leads[1]} |",
        f"| lead-to-MQL rate, mature cohorts (benchmark {pct(live and live[2])}-{pct(live and live[3])}) | {pct(live and live[0])} | {pct(cand and cand[0])} |",
    ]
    if pr_live and pr_cand:
        lines += [
            f"| MQL threshold | {pr_live[0]:g} | {pr_cand[0]:g} |",
            f"| leads old enough for an outcome | {pr_live[2]} | {pr_cand[2]} |",
            f"| of them MQL at the threshold | {pr_live[1]} | {pr_cand[1]} |",
            f"| precision: MQLs that got an opportunity | {pct(pr_live[3])} | {pct(pr_cand[3])} |",
            f"| recall: opportunities whose lead was an MQL first | {pct(pr_live[4])} | {pct(pr_cand[4])} |",
        ]
    lines += ["", f"{result.newly_count} lead(s) would newly qualify, {result.dropped_count} would drop out.", ""]
    for title, examples in (("Newly qualifying (highest candidate score first)", result.newly),
                            ("Dropping out (highest live score first)", result.dropped)):
        if examples:
            lines += [f"## {title}", "", "| lead_id | live score | candidate score | first MQL day |", "|---|---:|---:|---|"]
            lines += [f"| {lead} | {_num(a)} | {_num(b)} | {day} |" for lead, a, b, day in examples] + [""]
    lines += ["## MQL episodes per month", "", "![MQL episodes per month](mql_episodes_per_month.svg)", "",
              "| month | live | candidate |", "|---|---:|---:|"]
    lines += [f"| {m} | {a} | {b} |" for m, a, b in result.months]
    lines += ["", "## Lift per score band (leads old enough for an outcome, band of their peak score before sales qualified them)", "",
              "![Opportunity lift per score band](opportunity_lift_per_band.svg)", "",
              "| band | live leads | live opportunity lift | live won lift | candidate leads | candidate opportunity lift | candidate won lift |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {b[0]} | {b[1] or 0} | {_num(b[2])} | {_num(b[5])} | {b[3] or 0} | {_num(b[4])} | {_num(b[6])} |" for b in bands]
    if result.validation.warnings:
        lines += ["", "## Warnings on the candidate rules", ""]
        lines += [f"- {w.seed}, {w.row}, {w.column}: {w.message}" for w in result.validation.warnings]
    path = out_dir / "preview.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def bar_chart(labels: list[str], series: list[list[float]], title: str, names: tuple[str, str]) -> str:
    """A grouped bar chart as SVG text (two series), small enough to need no plotting library."""
    width, height, left, bottom, top = 640, 260, 40, 40, 30
    top_value = max([v for values in series for v in values] + [1e-9])
    slot = (width - left - 10) / max(len(labels), 1)
    bar = slot * 0.38
    colours = ("#9aa5b1", "#2f6fde")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
             f'<text x="{left}" y="18" font-size="13">{title}</text>']
    for i, name in enumerate(names):
        parts.append(f'<rect x="{width - 170 + i * 80}" y="8" width="10" height="10" fill="{colours[i]}"/>'
                     f'<text x="{width - 156 + i * 80}" y="17">{name}</text>')
    plot = height - bottom - top
    for j, label in enumerate(labels):
        x = left + j * slot
        for i, values in enumerate(series):
            h = plot * (values[j] / top_value)
            parts.append(f'<rect x="{x + 4 + i * bar:.1f}" y="{top + plot - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colours[i]}">'
                         f'<title>{names[i]} {label}: {values[j]:g}</title></rect>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle">{label}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot}" x2="{width - 10}" y2="{top + plot}" stroke="#333"/>')
    parts.append(f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{top_value:g}</text></svg>')
    return "\n".join(parts)


def seeds_of_revision(rev: str) -> Path:
    """The scoring and activation seed files of git revision `rev` as a candidate folder (beside
    the warehouse: rule_candidates/git-<rev>/). PreviewError when the project is not a git
    checkout or the revision is unknown."""
    from lead_scoring import settings

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(settings.PROJECT_DIR), *args], capture_output=True, text=True)

    try:
        listed = git("ls-tree", "--name-only", f"{rev}:seeds")
    except FileNotFoundError:
        raise PreviewError("--rev needs git, which is not installed") from None
    if listed.returncode != 0:
        raise PreviewError(f"--rev {rev}: {listed.stderr.strip().splitlines()[-1] if listed.stderr.strip() else 'unknown revision'}")
    folder = rule_workspace.default_work_dir().parent / ("git-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in rev))
    folder.mkdir(parents=True, exist_ok=True)
    for name in listed.stdout.split():
        if name.endswith(".csv") and Path(name).stem in rule_workspace.seed_files():
            shown = subprocess.run(["git", "-C", str(settings.PROJECT_DIR), "show", f"{rev}:seeds/{name}"], capture_output=True)
            (folder / name).write_bytes(shown.stdout)
    return folder
