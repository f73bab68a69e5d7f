{#- Length in days (fractional) of a stint in a lifecycle stage that began at `entered_at`: up to
    `exited_at`, or to the end of the scoring day while the lead is still in the stage. The only
    part of a lead's lifecycle that changes because a day passed, so the lead-grain tables store
    the entry and exit and the views and marts that show days in stage compute them here. -#}
{% macro days_in_stage(entered_at, exited_at='null') -%}
    {{ days_between(entered_at, 'coalesce(' ~ exited_at ~ ', ' ~ scoring_day_end() ~ ')') }}
{%- endmacro %}
