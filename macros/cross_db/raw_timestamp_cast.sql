{#- A raw contract column of logical type timestamp, read as raw_timestamp_type (macro
    raw_source_columns). `raw_type` is the column's type in the raw table (none when unknown). -#}
{% macro raw_timestamp_cast(column, raw_type) -%}
    {{ return(adapter.dispatch('raw_timestamp_cast', 'lead_scoring')(column, raw_type)) }}
{%- endmacro %}

{% macro default__raw_timestamp_cast(column, raw_type) -%}
    cast({{ column }} as {{ raw_timestamp_type() }})
{%- endmacro %}

{#- DuckDB converts a timestamptz to a timestamp through ICU's calendar, value by value: about
    2.5 CPU s for the two timestamps of 20M events. The instant's epoch microseconds give the same
    UTC wall time (the session runs in UTC, profiles.yml) for about a tenth of that. An infinite
    value has no epoch and keeps the cast. -#}
{% macro duckdb__raw_timestamp_cast(column, raw_type) -%}
    {%- if raw_type is not none and raw_type | upper in ['TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ'] -%}
    coalesce(make_timestamp(epoch_us({{ column }})), cast({{ column }} as {{ raw_timestamp_type() }}))
    {%- else -%}
    {{ default__raw_timestamp_cast(column, raw_type) }}
    {%- endif -%}
{%- endmacro %}
