{#- The configuration of a lead-grain model restated by lead: incremental (a table on Spark,
    incremental_where_supported), appending the rows of the leads its scope model flags after
    its pre-hook deleted them (delete_rescored_leads). `scope`: int_lead_scoring_scope for the
    scoring models, int_lead_lifecycle_scope for the lifecycle chain (lead_scope_flags),
    int_account_scope for an account-grain model (restated_by_account); `today_state` for a mart
    of today's state (restated_by_lead_today). The ref() makes the model depend on its scope even
    where only the pre-hook and the incremental branch read it. -#}
{% macro restated_by_lead(scope='int_lead_scoring_scope', also_delete=none, date_column=none, today_state=false) -%}
    {%- do ref(scope) -%}
    {%- set hook_arguments = "'" ~ scope ~ "'"
        ~ (", also_delete=\"" ~ also_delete ~ "\"" if also_delete else "")
        ~ (", date_column='" ~ date_column ~ "'" if date_column else "")
        ~ (", today_state=true" if today_state else "") -%}
    {{ config(
        materialized=incremental_where_supported(),
        incremental_strategy='append',
        on_schema_change='sync_all_columns',
        pre_hook="{{ delete_rescored_leads(" ~ hook_arguments ~ ") }}",
    ) }}
{%- endmacro %}
