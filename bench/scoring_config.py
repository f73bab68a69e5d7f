"""The scoring configuration read straight from the seed CSVs, typed the way the dbt models type it
(models/intermediate/scoring/int_*_rules.sql): trimmed ids, lower-cased event types, operators and
values, empty text = null. Both reference implementations are generated from this, so a seed edit
changes them exactly as it changes the dbt project.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

TRUE_FLAGS = {"true", "yes", "1", "y"}


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _number(value: str | None) -> float | None:
    value = _text(value)
    return float(value) if value is not None else None


def _int(value: str | None) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_FLAGS


@dataclass(frozen=True)
class ScoringModel:
    model_id: str
    mql_threshold: float


@dataclass(frozen=True)
class FitRule:
    model_id: str
    rule_id: str
    attribute: str
    operator: str  # between | in | contains_any
    match_values: tuple[str, ...]  # lower-cased, for in / contains_any
    min_value: float | None
    max_value: float | None
    points: float
    required: bool


@dataclass(frozen=True)
class EngagementRule:
    model_id: str
    rule_id: str
    event_type: str
    property_key: str | None
    property_operator: str | None  # equals | contains | starts_with
    property_value: str | None  # lower-cased
    points: float
    max_per_day: int | None
    max_points: float | None
    window_days: int | None
    half_life_days: float | None
    min_count: int | None
    required: bool


@dataclass(frozen=True)
class ScoringConfig:
    models: tuple[ScoringModel, ...]
    fit_rules: tuple[FitRule, ...]
    engagement_rules: tuple[EngagementRule, ...]

    def fit_rules_of(self, model_id: str) -> list[FitRule]:
        return [r for r in self.fit_rules if r.model_id == model_id]

    def engagement_rules_of(self, model_id: str) -> list[EngagementRule]:
        return [r for r in self.engagement_rules if r.model_id == model_id]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def load_config(seeds_dir: Path) -> ScoringConfig:
    """The three scoring seeds of a dbt project's `seeds/` folder (assumed valid: dbt validates)."""
    models = tuple(
        ScoringModel(model_id=row["model_id"].strip(), mql_threshold=float(row["mql_threshold"]))
        for row in _rows(seeds_dir / "scoring_models.csv")
    )
    fit_rules = []
    for row in _rows(seeds_dir / "scoring_fit_rules.csv"):
        values = (_text(row.get("match_values")) or "").lower()
        fit_rules.append(FitRule(
            model_id=row["model_id"].strip(),
            rule_id=row["rule_id"].strip(),
            attribute=row["attribute"].strip().lower(),
            operator=row["operator"].strip().lower(),
            match_values=tuple(v.strip() for v in values.split("|") if v.strip()),
            min_value=_number(row.get("min_value")),
            max_value=_number(row.get("max_value")),
            points=float(row["points"]),
            required=_flag(row.get("required_for_mql")),
        ))
    engagement_rules = []
    for row in _rows(seeds_dir / "scoring_engagement_rules.csv"):
        engagement_rules.append(EngagementRule(
            model_id=row["model_id"].strip(),
            rule_id=row["rule_id"].strip(),
            event_type=row["event_type"].strip().lower(),
            property_key=_text(row.get("property_key")),
            property_operator=(_text(row.get("property_operator")) or "").lower() or None,
            property_value=(_text(row.get("property_value")) or "").lower() or None,
            points=float(row["points"]),
            max_per_day=_int(row.get("max_per_day")),
            max_points=_number(row.get("max_points")),
            window_days=_int(row.get("window_days")),
            half_life_days=_number(row.get("half_life_days")),
            min_count=_int(row.get("min_count")),
            required=_flag(row.get("required_for_mql")),
        ))
    return ScoringConfig(models, tuple(fit_rules), tuple(engagement_rules))
