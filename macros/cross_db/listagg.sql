{#- Adapter versions of dbt's listagg (dbt.listagg dispatches to them first: dispatch in
    dbt_project.yml) where dbt's own do not fit this project. -#}

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
