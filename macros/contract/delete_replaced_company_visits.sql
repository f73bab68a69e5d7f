{#- Post-hook of stg_raw__company_visits: remove the rows staged before this run that this run's
    rows replace - those at a visit time it restaged (all copies of a visit share its time, and the
    run staged every raw row at that time) and those of a delivery no longer in the raw table - or,
    for raw tables of another tool (restaged in full), every row staged before this run. -#}
{% macro delete_replaced_company_visits() -%}
    {%- if is_incremental() -%}
        {%- set raw_table = lead_source_relation('company_visits') -%}
        delete from {{ this }}
        where (staged_at is null or staged_at < {{ run_staged_at() }})
        {%- if load_relation(raw_table) is not none and raw_rows_have_deliveries('company_visits') %}
            and (
                visited_at in (select visited_at from {{ this }} where staged_at = {{ run_staged_at() }})
                or load_id is null
                or not exists (
                    select 1
                    from (select distinct _source_file, _load_id from {{ raw_table }}) as deliveries
                    where deliveries._source_file = source_file
                        and deliveries._load_id = load_id
                )
            )
        {%- endif %}
    {%- endif -%}
{%- endmacro %}
