{#- Whether an activation due on `due_date` is still deliverable on the scoring day: due fewer
    than the rule's deliver_within_days days before it (older ones are history, never delivered).
    One definition for lead and account activations. -#}
{% macro activation_is_deliverable(due_date, deliver_within_days) -%}
    {{ dbt.datediff(due_date, scoring_as_of_date(), 'day') }} < {{ deliver_within_days }}
{%- endmacro %}
