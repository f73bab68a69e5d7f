{#- Pre-hook of an incremental staging model: remove the staged rows that this run stages again,
    the rows of the deliveries raw_deliveries_to_stage lists (and any row without a delivery, staged
    before the project's loader wrote the table), or every row when the model is restaged in full
    (stages_by_delivery). -#}
{% macro delete_restaged_raw_rows(table_name) -%}
    {%- if stages_by_delivery(table_name) -%}
        delete from {{ this }}
        where load_id is null
            or exists (
                select 1
                from ({{ raw_deliveries_to_stage(table_name) }}) as deliveries
                where deliveries.delivery_file = source_file
                    and deliveries.delivery_load_id = load_id
            )
    {%- elif is_incremental() -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}
