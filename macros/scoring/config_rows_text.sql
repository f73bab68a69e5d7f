{#- Each row of a model as one text line (for hashing), prefixed with a label. -#}
{% macro config_rows_text(model_name, label) -%}
    {%- set relation = ref(model_name) -%}
    {%- set parts = ["'" ~ label ~ "'"] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do parts.append("'|'") -%}
            {%- do parts.append("coalesce(cast(" ~ adapter.quote(column.name) ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- endfor -%}
    {%- endif -%}
    select {{ dbt.concat(parts) }} as row_text from {{ relation }}
{%- endmacro %}
