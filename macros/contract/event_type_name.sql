{#- An event name as staging and the event mapping compare it: lower case, trimmed, spaces and
    hyphens as underscores ('Page View' and 'page-view' are page_view). The loader applies the
    same rule in Python (lead_scoring/ingest/raw_loader.py, event_type_name). -#}
{% macro event_type_name(column) -%}
    replace(replace(lower(trim({{ column }})), ' ', '_'), '-', '_')
{%- endmacro %}
