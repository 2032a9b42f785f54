{#-
    The columns (name, type) of each contract shape in docs/architecture.md "Seam 2b", in contract order. The core
    unions the registered models (macros/contract_models.sql) through union_contract_models, which casts every
    column to its contract type, so a source whose column is typed a little differently still unions cleanly.
-#}
{% macro touchpoint_contract_columns() -%}
    {{ return([
        ('touch_id', 'text'),
        ('source_system', 'text'),
        ('touch_type', 'text'),
        ('occurred_at', 'timestamptz'),
        ('identifier_type', 'text'),
        ('identifier_value', 'text'),
        ('channel', 'text'),
        ('traffic_source', 'text'),
        ('traffic_medium', 'text'),
        ('campaign', 'text'),
        ('referrer_domain', 'text'),
        ('click_id_type', 'text'),
        ('landing_page', 'text'),
        ('engagement_seconds', 'integer'),
        ('is_bounce', 'boolean'),
        ('counts_in_path', 'boolean'),
        ('is_conversion', 'boolean'),
        ('revenue_amount', 'numeric'),
        ('revenue_currency', 'text'),
        ('source_record_id', 'text'),
        ('extracted_at', 'timestamptz'),
    ]) }}
{%- endmacro %}

{% macro identity_link_contract_columns() -%}
    {{ return([
        ('identifier_type_a', 'text'),
        ('identifier_value_a', 'text'),
        ('identifier_type_b', 'text'),
        ('identifier_value_b', 'text'),
        ('link_rule', 'text'),
        ('observed_at', 'timestamptz'),
    ]) }}
{%- endmacro %}

{% macro ad_performance_contract_columns() -%}
    {{ return([
        ('platform', 'text'),
        ('account_id', 'text'),
        ('account_timezone', 'text'),
        ('account_currency', 'text'),
        ('campaign_id', 'text'),
        ('campaign_name', 'text'),
        ('spend_date', 'date'),
        ('impressions', 'bigint'),
        ('clicks', 'bigint'),
        ('spend', 'numeric'),
        ('platform_conversions', 'numeric'),
        ('platform_conversion_value', 'numeric'),
        ('extracted_at', 'timestamptz'),
    ]) }}
{%- endmacro %}

{% macro campaign_contract_columns() -%}
    {{ return([
        ('platform', 'text'),
        ('account_id', 'text'),
        ('campaign_id', 'text'),
        ('campaign_name', 'text'),
        ('channel', 'text'),
        ('status', 'text'),
        ('currency', 'text'),
        ('started_at', 'timestamptz'),
    ]) }}
{%- endmacro %}

{#-
    `union all` of the given contract models, each column cast to its contract type. With no model registered
    yet, an empty relation with the same typed columns, so everything downstream builds (and is tested) before the
    first source lands. where: an optional predicate per model name, applied to that model's rows.
-#}
{% macro union_contract_models(model_names, columns, where={}) -%}
    {%- if model_names | length == 0 %}
    select
        {%- for column in columns %}
        cast(null as {{ column[1] }}) as {{ column[0] }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
    {%- else %}
    {%- for model_name in model_names %}
    select
        {%- for column in columns %}
        cast({{ column[0] }} as {{ column[1] }}) as {{ column[0] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref(model_name) }}
    {%- if model_name in where %}
    where {{ where[model_name] }}
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- endif %}
{%- endmacro %}
