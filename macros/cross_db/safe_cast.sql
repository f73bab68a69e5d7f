{#- dbt's safe_cast falls back to a plain cast on DuckDB, which fails on bad text; try_cast
    returns null instead, as safe_cast promises. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
