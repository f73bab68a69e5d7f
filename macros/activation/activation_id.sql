{#- The stable id of an activation: action, scoring model and target (a lead or an account), plus
    the episode (the rule's once-per-episode policy) or the due day (every_entry, with '.2', '.3'
    for a second and third edge on one day). `row` aliases rows with action_id, model_id,
    retrigger, due_date and edge_in_day. -#}
{% macro activation_id(row, target_id, episode_policy, episode) -%}
    {{ dbt.concat([
        row ~ ".action_id", "':'", row ~ ".model_id", "':'", target_id,
        "case " ~ row ~ ".retrigger"
        ~ " when '" ~ episode_policy ~ "' then ':e' || cast(" ~ episode ~ " as " ~ dbt.type_string() ~ ")"
        ~ " when 'every_entry' then ':' || cast(" ~ row ~ ".due_date as " ~ dbt.type_string() ~ ")"
        ~ " || case when " ~ row ~ ".edge_in_day > 1 then '.' || cast(" ~ row ~ ".edge_in_day as " ~ dbt.type_string() ~ ") else '' end"
        ~ " else '' end",
    ]) }}
{%- endmacro %}
