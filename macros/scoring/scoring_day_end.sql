{#- The end of the scoring day (midnight after scoring_as_of_date), as a SQL timestamp: what
    happened before it counts today, and a stint still open is measured up to it. -#}
{% macro scoring_day_end() -%}
    {{ dbt.dateadd('day', 1, dbt.cast(scoring_as_of_date(), dbt.type_timestamp())) }}
{%- endmacro %}
