{#- A timestamp without time zone, in UTC. Raw timestamps may carry an offset (timestamptz) or
    none; naive values are taken as UTC. The DuckDB session runs with TimeZone=UTC (profiles.yml),
    so a plain cast converts an offset-carrying value to UTC wall time. On PostgreSQL the staging
    models read raw timestamps as timestamptz (macro raw_timestamp_type), so `at time zone 'UTC'`
    gives the UTC wall time whatever the session's time zone; naive raw values are read in the
    session's time zone there, which should be UTC (see the README). -#}
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

{#- The type raw columns of logical type timestamp are read as (macro raw_source_columns), before
    to_utc_timestamp: PostgreSQL keeps the offset (a cast to timestamp would convert to the
    session's time zone); elsewhere dbt's timestamp. -#}
{% macro raw_timestamp_type() -%}
    {{ return(adapter.dispatch('raw_timestamp_type', 'lead_scoring')()) }}
{%- endmacro %}

{% macro default__raw_timestamp_type() -%}
    {{ return(dbt.type_timestamp()) }}
{%- endmacro %}

{% macro postgres__raw_timestamp_type() -%}
    {{ return('timestamptz') }}
{%- endmacro %}

{#- Today's date in UTC. -#}
{% macro utc_today() -%}
    {{ return(adapter.dispatch('utc_today', 'lead_scoring')()) }}
{%- endmacro %}

{% macro default__utc_today() -%}
    {{ dbt.cast(dbt.current_timestamp(), 'date') }}
{%- endmacro %}

{% macro postgres__utc_today() -%}
    cast(now() at time zone 'UTC' as date)
{%- endmacro %}
