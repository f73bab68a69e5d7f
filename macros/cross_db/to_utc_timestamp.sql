{#- A timestamp without time zone, in UTC. Raw timestamps may carry an offset (timestamptz) or
    none; naive values are taken as UTC. The DuckDB session runs with TimeZone=UTC (profiles.yml),
    so a plain cast converts an offset-carrying value to UTC wall time. On PostgreSQL the staging
    models read raw timestamps as timestamptz (macro raw_timestamp_type), so `at time zone 'UTC'`
    gives the UTC wall time whatever the session's time zone; naive raw values are read in the
    session's time zone there, which should be UTC (see docs/other-engines.md#postgresql). -#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'lead_scoring')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro postgres__to_utc_timestamp(column) -%}
    cast({{ column }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro spark__to_utc_timestamp(column) -%}
    to_utc_timestamp({{ column }}, 'UTC')
{%- endmacro %}
