{#- The lower-case path of a visited page from values like 'https://www.Example.com/Pricing?x=1'
    or '/pricing#top': scheme and host removed, query and fragment cut off, '/' for a bare host.
    A value that already starts with '/' keeps all of its path. Portable string functions only. -#}
{% macro url_path(column) -%}
    {%- set lowered = "lower(trim(" ~ column ~ "))" -%}
    {%- set no_scheme = "replace(replace(" ~ lowered ~ ", 'https://', ''), 'http://', '')" -%}
    {%- set path = "case when " ~ no_scheme ~ " like '/%' then " ~ no_scheme
        ~ " when " ~ dbt.position("'/'", no_scheme) ~ " > 0 then substring(" ~ no_scheme ~ ", " ~ dbt.position("'/'", no_scheme) ~ ")"
        ~ " else '/' end" -%}
    nullif({{ dbt.split_part(dbt.split_part(path, "'?'", 1), "'#'", 1) }}, '')
{%- endmacro %}
