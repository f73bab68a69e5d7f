{#- Post-hook of int_scoring_config_problems: stop the run with every problem listed by row
    (unless var raise_scoring_config_problems is false: `lead-scoring validate` reads the rows). -#}
{% macro raise_scoring_config_problems() %}
    {%- if execute and var('raise_scoring_config_problems', true) -%}
        {%- set rows = run_query("select seed_name, model_id, rule_id, problem from " ~ this ~ " order by 1, 2, 3, 4") -%}
        {%- if rows | length > 0 -%}
            {%- set lines = [] -%}
            {%- for row in rows -%}
                {#- The row's key: model_id and rule_id; the action_id of an activation rule; a suppression's name; a mapping row's source. -#}
                {%- set id_name = {'activation_rules': 'action_id', 'activation_suppressions': 'suppression', 'event_type_mapping': 'source'}.get(row[0], 'rule_id') -%}
                {%- set key = ("model_id=" ~ (row[1] or '') ~ (", " if row[2] else "")) if row[0] not in ('activation_suppressions', 'event_type_mapping') else "" -%}
                {%- do lines.append("  - seed " ~ row[0] ~ ", row " ~ key ~ (id_name ~ "=" ~ row[2] if row[2] else "") ~ ": " ~ row[3]) -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error("The scoring configuration has " ~ (rows | length) ~ " problem(s); nothing was rescored:\n" ~ (lines | join("\n"))) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
