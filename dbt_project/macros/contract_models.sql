{#-
    The per-source contract models the core unions (docs/architecture.md, "Seam 2b"). A source joins the
    warehouse by adding its model names here; core models loop over these lists with ref(), so no core model
    names a source.
-#}
{% macro touchpoint_models() -%}
    {{ return([]) }}
{%- endmacro %}

{% macro identity_link_models() -%}
    {{ return([]) }}
{%- endmacro %}

{% macro ad_performance_models() -%}
    {{ return([]) }}
{%- endmacro %}

{% macro campaign_models() -%}
    {{ return([]) }}
{%- endmacro %}
