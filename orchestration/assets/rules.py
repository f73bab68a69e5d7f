"""The scoring rules, checked before anything else of the daily run: a bad seed stops the run in
seconds with one short list (seed, row, column, what is wrong) before any raw file is loaded or
any model rebuilt; warnings are logged and kept as metadata. The check is
lead_scoring/rule_validation.py, the one `lead-scoring validate` runs."""

from pathlib import Path

import dagster as dg

from lead_scoring import progress
from lead_scoring.rule_validation import validate
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

RULES_GROUP = "rules"
SCORING_RULES_KEY = dg.AssetKey(["rules", "scoring_rules"])


@dg.asset(
    key=SCORING_RULES_KEY,
    group_name=RULES_GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"dbt"},
    description="The scoring and activation seeds, validated (lead-scoring validate): errors stop the run before the raw load.",
)
def scoring_rules(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    progress.report("scoring rules", "validating the seeds")
    result = validate(warehouse=Path(warehouse.path), name="daily_check")
    if result.errors:
        # The list is the whole story: no stack trace. Its first line and first error are what the
        # console and the failure alert show (orchestration/alerts.py: error_reason).
        raise dg.Failure(description=f"The scoring rules have {len(result.errors)} error(s); nothing was loaded or rescored "
                         f"(`lead-scoring validate` lists them):\n" + "\n".join(f"{f.seed}, row {f.row}, column {f.column or '-'}: {f.message}"
                                                                                for f in result.errors), allow_retries=False)
    for finding in result.warnings:
        context.log.warning(f"{finding.seed}, {finding.row}, {finding.column}: {finding.message}")
    progress.report("scoring rules", f"valid, {len(result.warnings)} warning(s)", last=True)
    return dg.MaterializeResult(
        metadata={
            "warnings": len(result.warnings),
            "findings": dg.MetadataValue.md("\n".join(f"- {f.level}: {f.seed}, {f.row}, {f.column}: {f.message}" for f in result.findings) or "none"),
            "warehouse_checks_as_of": result.as_of or "",
            "seconds": round(result.seconds, 1),
        }
    )
