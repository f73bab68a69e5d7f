"""Lead scoring dashboard: `make dashboard` (streamlit run dashboard/app.py) on 127.0.0.1.

Reads only the published BI file (LEAD_SCORING_BI_DB, else warehouse/bi.duckdb), never the
pipeline's warehouse: DuckDB refuses readers while the pipeline writes. This entry script draws
the sidebar (provenance and the filters every page shares) and hands over to the page chosen.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import streamlit as st

from dashboard import data, ui

st.set_page_config(page_title="Lead scoring", page_icon=":material/monitoring:", layout="wide")

path = data.bi_path()
try:
    meta = data.publication(path)
except duckdb.Error as error:  # e.g. pointed at a file a pipeline is writing (DuckDB lock)
    st.error(f"Cannot read the BI file `{path}`: {error}")
    st.stop()
if meta is None:
    st.title("Lead scoring dashboard")
    st.info(f"There is no BI file at `{path}` yet: run `make demo` first (it runs the pipeline, which publishes "
            "`warehouse/bi.duckdb`), or point `LEAD_SCORING_BI_DB` at a published file.")
    st.stop()

# Cached by publication: the next run's file is picked up on the next interaction.
bi = data.BI(str(path), meta["version"], ui.cached_read)
models = data.models(bi)
first_day, as_of = data.date_bounds(bi)

sidebar = st.sidebar
published_at = meta["published_at"].astimezone(dt.timezone.utc)
sidebar.caption(f"Published at {published_at:%Y-%m-%d %H:%M} UTC from run `{meta['run_id']}` · "
                f"data as of {as_of:%Y-%m-%d}")
primary = {r.model_id: r.is_primary_model for r in models.itertuples()}
model_id = sidebar.selectbox("Scoring model", list(primary), key="model",
                             format_func=lambda m: f"{m} (primary)" if primary[m] else m)
# Keyed by the bounds, so that a publication with other dates starts from its own full range.
dates = sidebar.date_input("Date range", value=(first_day, as_of), min_value=first_day, max_value=as_of,
                           key=f"dates_{first_day}_{as_of}")
start, end = (tuple(dates) + (as_of,))[:2] if dates else (first_day, as_of)  # a half-picked range: open end
channels = sidebar.multiselect("Channel", data.channels(bi), key="channels", placeholder="All channels")
sidebar.caption("The range applies to the cohort month (funnel, trends), the creation day (velocity, scores, "
                "lead explorer), the MQL day (MQL volume) and the due day (activations per week).")

st.session_state[ui.CONTEXT_KEY] = ui.Context(
    bi=bi,
    filters=data.Filters(model_id, start, end, tuple(channels)),
    as_of=as_of,
    mql_threshold=float(models.set_index("model_id").loc[model_id, "mql_threshold"]),
)

# The page scripts live in views/, not pages/: a pages/ folder next to the entry script switches
# Streamlit's older multipage mode on in places (AppTest then runs a page without this script).
pages = [
    st.Page("views/funnel.py", title="Funnel", icon=":material/filter_alt:", default=True),
    st.Page("views/trends.py", title="Conversion trends", icon=":material/trending_up:", url_path="trends"),
    st.Page("views/velocity.py", title="Velocity", icon=":material/timer:", url_path="velocity"),
    st.Page("views/mql_volume.py", title="MQL volume", icon=":material/bar_chart:", url_path="mql-volume"),
    st.Page("views/scores.py", title="Scores", icon=":material/target:", url_path="scores"),
    st.Page("views/lead_explorer.py", title="Lead explorer", icon=":material/person_search:", url_path="lead-explorer"),
    st.Page("views/activations.py", title="Activations", icon=":material/send:", url_path="activations"),
    st.Page("views/accounts.py", title="Accounts", icon=":material/domain:", url_path="accounts"),
]
st.navigation(pages).run()
