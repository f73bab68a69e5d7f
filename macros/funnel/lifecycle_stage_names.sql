{#- The lifecycle stages in the seed's order (stage_order): the main path, then the detours. The
    models that give every stage its own columns need the names when dbt compiles them, before any
    seed is read, so this is the one list of them in SQL; the singular test
    assert_lifecycle_stage_names_match_seed keeps it equal to the seed lifecycle_stages. -#}
{% macro lifecycle_stage_names(main_path_only=false) -%}
    {%- set main_path = ['lead', 'mql', 'sal', 'sql', 'opportunity', 'customer'] -%}
    {%- set detours = ['recycled', 'disqualified', 'closed_lost'] -%}
    {{ return(main_path if main_path_only else main_path + detours) }}
{%- endmacro %}
