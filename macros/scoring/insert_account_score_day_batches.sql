{#- The post-hook of int_account_score_days: inserts its batches of accounts after the first
    (account_history_batches, account_score_days_batch), one statement each, so that no query
    holds more than one batch. Nothing to do with one batch. -#}
{% macro insert_account_score_day_batches() -%}
    {%- set batches = account_history_batches() -%}
    {#- dbt also renders hooks when it parses the project: nothing to run then -#}
    {%- if execute and batches > 1 -%}
        {{ log(this.identifier ~ ": the accounts' change days in " ~ batches ~ " batches of accounts (account_history_batches)", info=True) }}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- set column_list = columns | join(', ') -%}
        {%- for batch in range(1, batches) -%}
            {%- call statement('account_history_batch_' ~ batch) -%}
                insert into {{ this }} ({{ column_list }})
                select {{ column_list }}
                from (
                    {{ account_score_days_batch(batch, batches) }}
                ) as account_batch
            {%- endcall -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
