{#- What a row of seed event_type_mapping adds to an event's JSON properties, as text to put
    after the object's opening brace (each entry starts with a comma; '' when nothing is added):
    for each from=to pair of `renames` the value of property `from` under the name `to`, and each
    key=value pair of `sets`, at most `max_pairs` pairs each (int_scoring_config_problems checks
    it). A property the event already has is never overwritten, so the object never holds a key
    twice (engines differ on which copy they read) and the event's own properties all stay.
    Values are added as JSON strings: scoring reads properties as text, numeric rules cast them. -#}
{% macro event_property_additions(properties, renames, sets, max_pairs=5) -%}
    {%- set fragments = [] -%}
    {%- for list, is_rename in [(renames, true), (sets, false)] -%}
        {%- for position in range(1, max_pairs + 1) -%}
            {%- set pair = dbt.split_part("coalesce(" ~ list ~ ", '')", "';'", position) -%}
            {%- set left = "nullif(trim(" ~ dbt.split_part(pair, "'='", 1) ~ "), '')" -%}
            {%- set right = "nullif(trim(" ~ dbt.split_part(pair, "'='", 2) ~ "), '')" -%}
            {%- set new_key = right if is_rename else left -%}
            {%- set new_value = json_get_text(properties, left) if is_rename else right -%}
            {%- do fragments.append(
                "case when " ~ new_key ~ " is not null and " ~ new_value ~ " is not null and "
                ~ json_get_text(properties, new_key) ~ " is null then "
                ~ dbt.concat(["',\"'", new_key, "'\":\"'", json_text_value(new_value), "'\"'"])
                ~ " else '' end"
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ dbt.concat(fragments) }}
{%- endmacro %}
