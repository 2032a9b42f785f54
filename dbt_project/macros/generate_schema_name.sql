{#-
    Models land in exactly the schema their folder names (staging, intermediate, core, marts), not in dbt's
    default "<target schema>_<custom schema>": the bootstrap creates those four schemas and grants on them.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
