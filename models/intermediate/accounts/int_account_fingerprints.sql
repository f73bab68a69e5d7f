-- The account fingerprint each account's rows were last restated with, one row per account: what
-- int_account_scope compares the next run's fingerprints with; and the history fingerprint and
-- scoring day its restate_from starts from.
--
-- Built after every model restated by account (the depends_on lines below; a new one joins
-- them), and only when they all succeeded, so a run that stops part-way leaves the old
-- fingerprints here and the next run restates the same accounts again.
{{ restated_by_account() }}
-- depends_on: {{ ref('int_account_score_days') }}
-- depends_on: {{ ref('int_account_activation_edges') }}

with

scope as (

    select account_id, account_fingerprint, history_fingerprint, needs_restate from {{ ref('int_account_scope') }}

),

final as (

    select
        account_id,
        account_fingerprint,
        history_fingerprint,
        -- the scoring day the account's change days were computed through
        {{ scoring_as_of_date() }} as fingerprinted_through
    from scope
    {%- if is_incremental() %}
    where needs_restate
    {%- endif %}

)

select * from final
