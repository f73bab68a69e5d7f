{#- Adapter versions of dbt's safe_cast (dbt.safe_cast dispatches to them first: dispatch in
    dbt_project.yml) where dbt's own do not fit this project. -#}

{#- dbt's safe_cast falls back to a plain cast on DuckDB, which fails on bad text; try_cast
    returns null instead, as safe_cast promises. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- PostgreSQL has no try_cast and dbt's safe_cast is a plain cast there, which fails on bad text
    (and on the '' of an empty cell in a unit-test fixture). Numbers and booleans are cast only
    when the text has their form, else null; '' is null for every type but text; other values of
    other types keep the plain cast. -#}
{% macro postgres__safe_cast(field, type) -%}
    {%- set type_name = type | lower | trim -%}
    {%- set text = "trim(cast(" ~ field ~ " as text))" -%}
    {%- set is_number = text ~ " ~* '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)(e[+-]?[0-9]+)?$'" -%}
    {%- if type_name in ('smallint', 'integer', 'int', 'int2', 'int4', 'int8', 'bigint') -%}
        {#- '1.5' rounds, as DuckDB's try_cast does -#}
        (case when {{ is_number }} then cast(cast({{ text }} as numeric) as {{ type }}) end)
    {%- elif type_name in ('real', 'float', 'float4', 'float8', 'double precision') or type_name.startswith('numeric') or type_name.startswith('decimal') -%}
        (case when {{ is_number }} then cast({{ text }} as {{ type }}) end)
    {%- elif type_name in ('boolean', 'bool') -%}
        (case when lower({{ text }}) in ('true', 'false', 't', 'f', 'yes', 'no', 'y', 'n', '1', '0', 'on', 'off') then cast({{ text }} as {{ type }}) end)
    {%- elif field | trim == "''" and 'char' not in type_name and 'text' not in type_name -%}
        cast(null as {{ type }})
    {%- else -%}
        cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- A cast that gives null for text that is not a value of the type (dbt-spark's is a plain cast,
    which fails on bad text when ANSI mode is on). -#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
