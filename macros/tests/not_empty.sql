{#- Fails when the model has no rows: a pipeline that silently produces nothing is broken. It
    reads one row at most: counting every row of a large view (fct_lead_scored_events) cost 3 CPU s
    at 1M leads to learn the same. -#}
{% test not_empty(model) %}
select 1 as empty_model
from (select count(*) as n from (select 1 as found from {{ model }} limit 1) as first_row) as counted
where n = 0
{% endtest %}
