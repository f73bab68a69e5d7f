{#- The relation of the project model `model_name`: ref() in a model, which so depends on it; the
    relation from the graph in a data test, which may only ref() the models it depends on (a test
    reading a view through its macro, get_where_subquery, or a scope, rescored_leads_condition). -#}
{% macro model_relation(model_name) -%}
    {%- if model.resource_type == 'test' -%}
        {{ return(graph.nodes['model.' ~ project_name ~ '.' ~ model_name].relation_name) }}
    {%- endif -%}
    {{ return(ref(model_name)) }}
{%- endmacro %}
