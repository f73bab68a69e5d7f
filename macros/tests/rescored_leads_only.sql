{#- For singular tests, which dbt does not narrow: `relation`, or on a daily run (var
    data_test_scope = 'changed') only its rows of the leads the run rescored, as a subquery named
    like the relation (`from {{ rescored_leads_only(ref('dim_leads')) }}`, then `dim_leads.x`). -#}
{% macro rescored_leads_only(relation, lead_id_column='lead_id') -%}
    {%- if execute and data_test_scope() == 'changed' -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ rescored_leads_condition(lead_id_column) ~ ') as ' ~ relation.identifier) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
