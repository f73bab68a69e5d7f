"""What the pages share: the cached reader, the context the sidebar sets, formatting and chart helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import data

CONTEXT_KEY = "dashboard_context"
STAGE_LABELS = {"lead": "Lead", "mql": "MQL", "sal": "SAL", "sql": "SQL", "opportunity": "Opportunity", "customer": "Customer",
                "recycled": "Recycled", "disqualified": "Disqualified", "closed_lost": "Closed lost"}
BAND_COLOURS = {"cold": "#9ecae1", "nurture": "#fdae6b", "hot_blocked": "#bcbddc", "hot": "#e6550d"}
BENCHMARK_FILL = "rgba(44, 160, 44, 0.15)"


@st.cache_data(show_spinner=False, max_entries=1024)
def cached_read(path: str, version: str, sql: str, params: tuple) -> pd.DataFrame:
    """Query results keyed by the publication (`version` = published_at|run_id): a new file is a new key."""
    return data.read_sql(path, version, sql, params)


@dataclass(frozen=True)
class Context:
    """What app.py decided for this run: where to read, the sidebar filters, the scoring day.
    Holds no connection: every query opens and closes its own."""

    bi: data.BI
    filters: data.Filters
    as_of: dt.date
    mql_threshold: float


def context() -> Context:
    return st.session_state[CONTEXT_KEY]


def note(message: str | None) -> None:
    if message:
        st.info(message)


def history_notes(*needs: tuple[str, str] | tuple[str, str, int]) -> None:
    """One note per figure that needs more history or facts the data lacks yet: each need is
    (need, figures[, window]) as data.history_note takes them."""
    ctx = context()
    cov = data.coverage(ctx.bi, ctx.filters.model_id)
    for need in needs:
        note(data.history_note(cov, *need))


def pct(value, digits: int = 1) -> str:
    return "–" if value is None or pd.isna(value) else f"{100 * value:.{digits}f} %"


def month_label(value) -> str:
    return pd.Timestamp(value).strftime("%b %Y")


def percent_column(label: str) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format="percent")


def is_share(measure: str) -> bool:
    return measure.endswith(("_share", "_rate"))


def measure_table(table: pd.DataFrame, words: dict[str, data.Measure], *measures: str) -> tuple[pd.DataFrame, dict]:
    """A table with columns named after MQL measures, shown as everywhere (seed mql_measures): their
    label, their definition as help, shares in percent and days with one decimal."""
    shown = table.copy()
    for measure in measures:
        if is_share(measure):
            shown[measure] = shown[measure] * 100
    return shown, measure_columns(words, *measures)


def measure_columns(words: dict[str, data.Measure], *measures: str) -> dict[str, st.column_config.Column]:
    """Column settings of measure_table (share columns hold percent points)."""
    columns = {}
    for measure in measures:
        word = words[measure]
        if is_share(measure):
            columns[measure] = st.column_config.NumberColumn(word.label, help=word.definition, format="%.1f %%")
        elif "days" in measure:
            columns[measure] = st.column_config.NumberColumn(word.label, help=word.definition, format="%.1f")
        else:
            columns[measure] = st.column_config.NumberColumn(word.label, help=word.definition)
    return columns


def measure_metric(column, words: dict[str, data.Measure], measure: str, value: str, suffix: str = "") -> None:
    """A headline figure of an MQL measure, labelled and explained as everywhere."""
    word = words[measure]
    column.metric(word.label + suffix, value, help=word.definition)


def show(fig: go.Figure, height: int = 380) -> None:
    """One look for every chart: compact margins, legend on top, no mode bar."""
    # The title sits at the very top, the legend between it and the plot: they never overlap.
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=80, b=10), title=dict(y=0.98, yanchor="top", x=0.01),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    st.plotly_chart(fig, config={"displayModeBar": False})


def empty_warning() -> None:
    st.warning("No data under these filters: widen the date range or choose other channels.")
