{#- Bare lower-case host name from values like 'https://www.Example.com/path'. Portable string
    functions only (no regex, whose dialects differ). A doubled 'www.www.' (seen in CRM exports)
    is stripped too, so the result never starts with 'www.' (the staging test of leads). -#}
{% macro normalize_domain(column) -%}
    {%- set lowered = "lower(trim(" ~ column ~ "))" -%}
    {%- set no_scheme = "replace(replace(" ~ lowered ~ ", 'https://', ''), 'http://', '')" -%}
    {%- set no_www = "case when " ~ no_scheme ~ " like 'www.www.%' then substring(" ~ no_scheme ~ ", 9)"
        ~ " when " ~ no_scheme ~ " like 'www.%' then substring(" ~ no_scheme ~ ", 5) else " ~ no_scheme ~ " end" -%}
    nullif({{ dbt.split_part(no_www, "'/'", 1) }}, '')
{%- endmacro %}
