{#- Pre-hook of the incremental lead-grain models: remove every row of the leads about to be
    recomputed (they are re-inserted in full) and of leads no longer in the source. Recomputing
    whole leads keeps an incremental run identical to a full rebuild. `scope`: the scope model
    (lead_scope_flags: int_lead_scoring_scope for the scoring models, int_lead_lifecycle_scope
    for the lifecycle chain, int_account_scope for the accounts, keyed by scope_key).
    `also_delete`: a condition on further rows every run rewrites (an account's row for today).
    `date_column`: the model's day column, for a scope with restate_from (int_account_scope) -
    a flagged key's rows from its restate_from on are removed, all of them when it is empty.
    `today_state`: for a mart of today's state (restated_by_lead_today), every row is removed when
    the run restates every lead (restates_every_lead_today). -#}
{% macro delete_rescored_leads(scope='int_lead_scoring_scope', also_delete=none, date_column=none, today_state=false) -%}
    {%- if is_incremental() and today_state and restates_every_lead_today() -%}
        delete from {{ this }}
    {%- elif is_incremental() -%}
        {%- set key = scope_key(scope) -%}
        {%- set flag = lead_scope_flags()[scope] -%}
        delete from {{ this }}
        {%- if date_column %}
        where {{ key }} in (select {{ key }} from {{ ref(scope) }} where {{ flag }} and restate_from is null)
           or exists (
               select 1 from {{ ref(scope) }} as restated
               where restated.{{ key }} = {{ this.identifier }}.{{ key }}
                 and restated.{{ flag }}
                 and {{ this.identifier }}.{{ date_column }} >= restated.restate_from
           )
        {%- else %}
        where {{ key }} in (select {{ key }} from {{ ref(scope) }} where {{ flag }})
        {%- endif %}
           or {{ key }} not in (select {{ key }} from {{ ref(scope) }})
           {%- if also_delete %}
           or {{ also_delete }}
           {%- endif %}
    {%- endif -%}
{%- endmacro %}
