{#- One row per lead id (trimmed) of the raw leads: raw_rows_fingerprint, which changes exactly when
    the lead's raw rows do - a version arrives with a new load, or leaves with a corrected file -
    whatever their order (unordered_texts_hash of each row's delivery and line). Only for raw
    tables of the project's loader (raw_rows_have_deliveries): their rows are never changed in
    place. stg_raw__leads stores it with each lead and restages only the leads whose fingerprint
    differs (restages_changed_leads). -#}
{% macro raw_lead_rows_fingerprints() -%}
    {%- set row_text = dbt.concat([
        "coalesce(_source_file, '')", "'|'",
        "coalesce(_load_id, '')", "'|'",
        "coalesce(cast(_source_line as " ~ dbt.type_string() ~ "), '')",
    ]) -%}
    select
        trim(lead_id) as lead_id,
        {{ unordered_texts_hash(row_text) }} as raw_rows_fingerprint
    from {{ lead_source_relation('leads') }}
    where lead_id is not null
    group by trim(lead_id)
{%- endmacro %}
