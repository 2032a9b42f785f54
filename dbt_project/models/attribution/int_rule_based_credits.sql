{{
    config(
        materialized='incremental',
        unique_key='customer_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['conversion_id', 'touch_position', 'attribution_model'], 'unique': true},
            {'columns': ['customer_key']},
            {'columns': ['touches_stitched_at']},
        ],
        pre_hook="{{ delete_customers_merged_away() }}",
    )
}}
{#-
    Every rule-based model's credit for every touch of every conversion's journey, stored: the eight rule views
    (models/attribution/rules) over int_conversion_touches, with the touch's channel and campaign.

    Incremental per customer (macro customers_with_changed_touches), like int_conversion_touches: a run rebuilds
    the credits of the customers whose journeys changed, joining the rule views to those journeys (the views still
    read every journey: PostgreSQL takes no semi-join into a window's input; they are reads, the writes are the
    changed customers' rows).
-#}
{%- set rule_models = {
    'first_touch': 'int_first_touch_credits',
    'last_touch': 'int_last_touch_credits',
    'last_non_direct': 'int_last_non_direct_credits',
    'first_paid': 'int_first_paid_credits',
    'last_paid': 'int_last_paid_credits',
    'linear': 'int_linear_credits',
    'time_decay': 'int_time_decay_credits',
    'position_based': 'int_position_based_credits',
} %}
-- depends_on: {{ ref('fct_touchpoints') }} (read by customers_with_changed_touches)

with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}
    where {{ customers_with_changed_touches() }}

),

rule_credits as (

    {% for model, relation in rule_models.items() -%}
    select
        customer_key,
        conversion_id,
        touch_position,
        '{{ model }}' as attribution_model,
        credit
    from {{ ref(relation) }}
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

final as (

    select
        cast(rule_credits.conversion_id as text) as conversion_id,
        cast(rule_credits.touch_position as integer) as touch_position,
        cast(rule_credits.attribution_model as text) as attribution_model,
        cast(conversion_touches.touch_id as text) as touch_id,
        cast(conversion_touches.is_stand_in as boolean) as is_stand_in,
        cast(conversion_touches.occurred_at as timestamptz) as occurred_at,
        cast(conversion_touches.channel as text) as channel,
        cast(conversion_touches.campaign as text) as campaign,
        cast(conversion_touches.customer_key as text) as customer_key,
        cast(conversion_touches.converted_at as timestamptz) as converted_at,
        cast(conversion_touches.conversion_date as date) as conversion_date,
        cast(rule_credits.credit as double precision) as credit,
        cast(rule_credits.credit * conversion_touches.revenue as numeric) as credited_revenue,
        cast(conversion_touches.touches_stitched_at as timestamptz) as touches_stitched_at
    from rule_credits
    inner join conversion_touches
        on conversion_touches.customer_key = rule_credits.customer_key
        and conversion_touches.conversion_id = rule_credits.conversion_id
        and conversion_touches.touch_position = rule_credits.touch_position

)

select * from final
