{#- The var data_test_scope: 'all' (the default: every data test over whole tables) or 'changed'
    (the daily job: tests on lead-grain models check the leads the run rescored). Anything else
    is an error rather than a silent full run. -#}
{% macro data_test_scope() -%}
    {%- set scope = var('data_test_scope', 'all') -%}
    {%- if scope not in ['all', 'changed'] -%}
        {{ exceptions.raise_compiler_error("var data_test_scope must be 'all' or 'changed', got '" ~ scope ~ "'") }}
    {%- endif -%}
    {%- do return(scope) -%}
{%- endmacro %}
