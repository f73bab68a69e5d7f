{#- The deliveries of a raw table that an incremental staging model must (re)stage: one row per
    (delivery_file, delivery_load_id) whose raw row count differs from the rows staged for it. A
    new load's rows are not staged yet; a delivery that lost rows (its file was corrected, or rows
    went back to wait for their lead) has fewer raw rows than staged ones and is staged again in
    full, or only removed when none are left. The pre-hook delete_restaged_raw_rows removes the
    staged rows of these deliveries first, so the model then inserts exactly their raw rows.
    Counting rows by two low-cardinality columns is cheap next to re-parsing every row.
    With compare_row_counts false, only the deliveries found on one side alone: for a model that
    de-duplicates across deliveries (stg_raw__company_visits stages a visit exported twice once),
    so a delivery may have fewer staged rows than raw ones; the loader never removes a row from a
    delivery it keeps (a corrected file comes back under a new load id). -#}
{% macro raw_deliveries_to_stage(table_name, compare_row_counts=true) -%}
    select
        coalesce(raw_rows.source_file, staged.source_file) as delivery_file,
        coalesce(raw_rows.load_id, staged.load_id) as delivery_load_id
    from (
        select _source_file as source_file, _load_id as load_id, count(*) as row_count
        from {{ lead_source_relation(table_name) }}
        group by _source_file, _load_id
    ) as raw_rows
    full outer join (
        select source_file, load_id, count(*) as row_count
        from {{ this }}
        group by source_file, load_id
    ) as staged
        on staged.source_file = raw_rows.source_file
        and staged.load_id = raw_rows.load_id
    where raw_rows.row_count is null
        or staged.row_count is null
        {%- if compare_row_counts %}
        or staged.row_count != raw_rows.row_count
        {%- endif %}
{%- endmacro %}
