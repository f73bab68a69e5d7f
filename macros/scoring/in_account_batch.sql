{#- Whether the account is in batch `batch` (0 to batches - 1) of `batches`
    (account_history_batches): `true` when there is one batch. Accounts are split on the first
    two hex digits of the md5 of their id (dbt.hash, the same on every engine), so the batches
    are disjoint, cover every account and are about the same size. -#}
{% macro in_account_batch(account_id, batch, batches) -%}
    {%- if batches > 1 -%}
        substring({{ dbt.hash(account_id) }}, 1, 2) in (
            {%- for prefix in range(batch, 256, batches) -%}
                '{{ '%02x' % prefix }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
