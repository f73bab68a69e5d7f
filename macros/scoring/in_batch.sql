{#- Whether the key (a lead or an account id) is in batch `batch` (0 to batches - 1) of `batches`
    (batch_count): `true` when there is one batch. Keys are split on the first two hex digits of
    the md5 of the key (dbt.hash, the same on every engine), so the batches are disjoint, cover
    every key and are about the same size. -#}
{% macro in_batch(key, batch, batches) -%}
    {%- if batches > 1 -%}
        substring({{ dbt.hash(key) }}, 1, 2) in (
            {%- for prefix in range(batch, 256, batches) -%}
                '{{ '%02x' % prefix }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
