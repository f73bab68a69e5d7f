{#- Several top-level keys of one JSON text column, as {key: SQL expression}. On DuckDB the text
    is parsed once for all keys: json_extract_string with a list of paths returns a list, and the
    identical list expression in each column is computed once per row (DuckDB eliminates common
    subexpressions). Other engines read key by key (json_get_text). -#}
{% macro json_get_texts(json_column, keys) -%}
    {{ return(adapter.dispatch('json_get_texts', 'lead_scoring')(json_column, keys)) }}
{%- endmacro %}

{% macro default__json_get_texts(json_column, keys) -%}
    {%- set out = {} -%}
    {%- for key in keys -%}
        {%- do out.update({key: json_get_text(json_column, "'" ~ key ~ "'")}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{% macro duckdb__json_get_texts(json_column, keys) -%}
    {%- set paths = [] -%}
    {%- for key in keys -%}
        {%- do paths.append("'$." ~ key ~ "'") -%}
    {%- endfor -%}
    {%- set out = {} -%}
    {%- for key in keys -%}
        {%- do out.update({key: "json_extract_string(" ~ json_column ~ ", [" ~ paths | join(", ") ~ "])[" ~ loop.index ~ "]"}) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}
