{#- "N times" for ids that appear N times (as_id); when their spellings in the file differ (spaces
    around the id), says so, since the rows do not look alike. -#}
{% macro duplicate_times(column) -%}
    cast(count(*) as {{ dbt.type_string() }}) || ' times'
    || case when count(distinct {{ column }}) > 1 then ' (spelled with different spaces around it)' else '' end
{%- endmacro %}
