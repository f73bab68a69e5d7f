{#- A JSON object as text from {key: SQL expression}, the `properties` of the raw events contract
    built from a CRM's columns. Values are written as JSON strings (staging reads them as text and
    casts), backslashes and double quotes escaped; a null value becomes JSON null. -#}
{% macro json_text_object(pairs) -%}
    {%- set parts = [] -%}
    {%- for key, expression in pairs.items() -%}
        {%- set text = "cast(" ~ expression ~ " as " ~ dbt.type_string() ~ ")" -%}
        {%- set quoted = "'\"' || replace(replace(" ~ text ~ ", '\\', '\\\\'), '\"', '\\\"') || '\"'" -%}
        {%- do parts.append("'\"" ~ key ~ "\": ' || coalesce(" ~ quoted ~ ", 'null')") -%}
    {%- endfor -%}
    '{' || {{ parts | join(" || ', ' || ") }} || '}'
{%- endmacro %}
