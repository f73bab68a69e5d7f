{#- Spark versions of dbt's cross-database macros where dbt-spark's own do not fit this project.
    The project's dispatch config (dbt_project.yml) looks here before dbt-spark. -#}

{#- dbt-spark's split_part needs a literal part number (int_fit_rules passes a column); Spark
    3.3+ has split_part itself, with a literal delimiter and '' past the last part, as DuckDB. -#}
{% macro spark__split_part(string_text, delimiter_text, part_number) -%}
    split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}

{#- dbt-spark's listagg ignores the order: collect (order key, value) pairs, sort them, keep the
    values. `order_by_clause` is one expression, optionally followed by asc or desc. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause -%}
        {%- set order = modules.re.sub('(?i)^\\s*order\\s+by\\s+', '', order_by_clause) | trim -%}
        {%- set descending = modules.re.search('(?i)\\s+desc$', order) is not none -%}
        {%- set order = modules.re.sub('(?i)\\s+(asc|desc)$', '', order) -%}
        {%- set collected -%}
            transform(array_sort(collect_list(named_struct('k', {{ order }}, 'v', {{ measure }}))), pair -> pair.v)
        {%- endset -%}
        {%- if descending -%}{%- set collected = 'reverse(' ~ collected ~ ')' -%}{%- endif -%}
    {%- else -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}{%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}{%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}

{#- A cast that gives null for text that is not a value of the type (dbt-spark's is a plain cast,
    which fails on bad text when ANSI mode is on). -#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- Whole days and seconds as bigint, as on DuckDB (Spark's datediff is an int), so contracts
    that say bigint hold on both. -#}
{% macro spark__datediff(first_date, second_date, datepart) -%}
    cast({{ dbt.spark__datediff(first_date, second_date, datepart) }} as bigint)
{%- endmacro %}
