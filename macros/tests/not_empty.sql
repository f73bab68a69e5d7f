{#- Fails when the model has no rows: a pipeline that silently produces nothing is broken. -#}
{% test not_empty(model) %}
select 1 as empty_model
from (select count(*) as n from {{ model }}) as counted
where n = 0
{% endtest %}
