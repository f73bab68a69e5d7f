{#- The body of a scope model: every column of its CTE `fingerprints` (one row per lead, or per
    `key`, with `fingerprint_column`), and `flag_column`, true when the fingerprint differs from
    the one stored in `stored_relation` (the latest per key; none stored: true) or when
    `recompute_all` (a first run, --full-refresh). -#}
{% macro leads_with_changed_fingerprints(fingerprint_column, flag_column, stored_relation, recompute_all, key='lead_id') -%}
    select
        fingerprints.*,
        {% if recompute_all -%}
        true as {{ flag_column }}
        {%- else -%}
        (stored.{{ fingerprint_column }} is null or stored.{{ fingerprint_column }} != fingerprints.{{ fingerprint_column }}) as {{ flag_column }}
        {%- endif %}
    from fingerprints
    {%- if not recompute_all %}
    left join (
        select {{ key }}, max({{ fingerprint_column }}) as {{ fingerprint_column }}
        from {{ stored_relation }}
        group by {{ key }}
    ) as stored on stored.{{ key }} = fingerprints.{{ key }}
    {%- endif %}
{%- endmacro %}
