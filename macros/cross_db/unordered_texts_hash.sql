{#- An aggregate: one text that changes when the group's set of texts does, whatever their order -
    the number of non-null texts and the sum of their 64-bit hashes. It stands in for a hash of the
    texts joined in order (listagg with order by) where only a change matters: a fingerprint
    of an account's leads or visits, which would otherwise sort every group's texts. A change goes
    unnoticed only if it keeps both the count and the sum (for unrelated texts, about one chance in
    2^64). -#}
{% macro unordered_texts_hash(text) -%}
    {{ return(adapter.dispatch('unordered_texts_hash', 'lead_scoring')(text)) }}
{%- endmacro %}

{#- DuckDB: hash() is a 64-bit unsigned hash; its sum is a 128-bit integer, exact. -#}
{% macro default__unordered_texts_hash(text) -%}
    cast(count({{ text }}) as varchar) || ':' || coalesce(cast(sum(case when {{ text }} is not null then hash({{ text }}) end) as varchar), '')
{%- endmacro %}

{#- PostgreSQL: the first 64 bits of md5 as a bigint; sum() of bigints is numeric, exact. -#}
{% macro postgres__unordered_texts_hash(text) -%}
    cast(count({{ text }}) as text) || ':' || coalesce(cast(sum(cast(cast(('x' || substr(md5({{ text }}), 1, 16)) as bit(64)) as bigint)) as text), '')
{%- endmacro %}

{#- Spark: xxhash64 summed as a 38-digit decimal, which cannot overflow. -#}
{% macro spark__unordered_texts_hash(text) -%}
    concat(cast(count({{ text }}) as string), ':', coalesce(cast(sum(case when {{ text }} is not null then cast(xxhash64({{ text }}) as decimal(38, 0)) end) as string), ''))
{%- endmacro %}
