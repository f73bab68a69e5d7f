{#- Text value of one top-level key of a JSON text column; null when absent.
    `key_sql` is a SQL expression (a quoted literal or a column), so rules can name keys as data. -#}
{% macro json_get_text(json_column, key_sql) -%}
    {{ return(adapter.dispatch('json_get_text', 'lead_scoring')(json_column, key_sql)) }}
{%- endmacro %}

{% macro default__json_get_text(json_column, key_sql) -%}
    json_extract_string({{ json_column }}, '$.' || {{ key_sql }})
{%- endmacro %}

{% macro postgres__json_get_text(json_column, key_sql) -%}
    (cast({{ json_column }} as json) ->> {{ key_sql }})
{%- endmacro %}

{% macro spark__json_get_text(json_column, key_sql) -%}
    get_json_object({{ json_column }}, concat('$.', {{ key_sql }}))
{%- endmacro %}
