{#- Each row of a model as one text line (for hashing), prefixed with a label. Float columns are
    spelled with number_text (70, not 70.0 on DuckDB and 70 on PostgreSQL), so the same rules give
    the same fingerprint, and scoring_config_version, on every engine. -#}
{% macro config_rows_text(model_name, label) -%}
    {%- set relation = ref(model_name) -%}
    {%- set parts = ["'" ~ label ~ "'"] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- set quoted = adapter.quote(column.name) -%}
            {%- set text = number_text(quoted) if column.is_float() else "cast(" ~ quoted ~ " as " ~ dbt.type_string() ~ ")" -%}
            {%- do parts.append("'|'") -%}
            {%- do parts.append("coalesce(" ~ text ~ ", '')") -%}
        {%- endfor -%}
    {%- endif -%}
    select {{ dbt.concat(parts) }} as row_text from {{ relation }}
{%- endmacro %}
