{#- The day "now" stands for in the marts: var `scoring_as_of_date` (YYYY-MM-DD), else the
    environment variable LEAD_SCORING_AS_OF_DATE (how the pipeline passes a run's as-of date),
    else the UTC day the dbt invocation started. Rendered as a literal, so every model of one run
    - and a view read later - stands for the same day, even when the run crosses midnight.
    Score history itself does not depend on it; only views of the current state do.
    Read only when executing: the day never changes what the project parses into, and a value
    read while parsing would make dbt parse again every file that reads it on each new day (a
    new var value, worse, makes it parse the whole project). -#}
{% macro scoring_as_of_date() -%}
    {%- set configured = var('scoring_as_of_date', env_var('LEAD_SCORING_AS_OF_DATE', '')) if execute else none -%}
    cast('{{ configured or run_started_at.strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}
