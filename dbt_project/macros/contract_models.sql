{#-
    The per-source contract models the core unions (docs/architecture.md, "Seam 2b"). A source joins the
    warehouse by adding its model names here; core models loop over these lists with ref(), so no core model
    names a source.
-#}
{% macro touchpoint_models() -%}
    {{ return(['int_hubspot__touchpoints', 'int_mailchimp__touchpoints', 'int_google_ads__touchpoints', 'int_questionpro__touchpoints', 'int_offline__touchpoints', 'int_matomo__touchpoints']) }}
{%- endmacro %}

{#-
    The touch models that are incremental and stamp each row with the run that wrote it (written_at):
    int_touchpoints_unioned reads their new rows by that stamp, the other touch models' by extract time.
-#}
{% macro stamped_touchpoint_models() -%}
    {{ return(['int_mailchimp__touchpoints', 'int_google_ads__touchpoints', 'int_matomo__touchpoints']) }}
{%- endmacro %}

{#- The identity link models: each incremental per link (macros/identity_links.sql). -#}
{% macro identity_link_models() -%}
    {{ return(['int_hubspot__identity_links', 'int_mailchimp__identity_links', 'int_matomo__identity_links']) }}
{%- endmacro %}

{% macro ad_performance_models() -%}
    {{ return(['int_meta_ads__ad_performance_daily', 'int_google_ads__ad_performance_daily']) }}
{%- endmacro %}

{% macro campaign_models() -%}
    {{ return(['int_meta_ads__campaigns', 'int_mailchimp__campaigns', 'int_google_ads__campaigns']) }}
{%- endmacro %}
