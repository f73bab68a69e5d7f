-- The score bands, lowest to highest (macro score_bands): one row per band with its rank, so
-- readers of the marts order and list the bands without a list of their own.

with

bands as (

    {%- for band in score_bands() %}
    select '{{ band }}' as score_band, {{ loop.index }} as band_order
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        cast(score_band as {{ dbt.type_string() }}) as score_band,
        cast(band_order as {{ dbt.type_int() }}) as band_order
    from bands

)

select * from final
