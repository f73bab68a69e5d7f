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
