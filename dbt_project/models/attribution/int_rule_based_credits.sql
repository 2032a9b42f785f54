{{ incremental_per_customer(['conversion_id', 'touch_position', 'attribution_model'], reads='journey_touches') }}
{#-
    Every rule-based model's credit for every touch of every conversion's journey, stored: the eight rules
    (macros/attribution_rules.sql; each also a view in models/attribution/rules) over int_conversion_touches,
    with the touch's channel and campaign.

    Incremental per customer (macro customers_with_changed_touches), like int_conversion_touches: a run rebuilds
    the credits of the customers whose journeys changed, applying the rules to those journeys only.
-#}
{%- set rules = {
    'first_touch': first_touch_credits,
    'last_touch': last_touch_credits,
    'last_non_direct': last_non_direct_credits,
    'first_paid': first_paid_credits,
    'last_paid': last_paid_credits,
    'linear': linear_credits,
    'time_decay': time_decay_credits,
    'position_based': position_based_credits,
} %}
-- depends_on: {{ ref('fct_touchpoints') }} (read by customers_with_changed_touches)

with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}
    where {{ customers_with_changed_touches() }}

),

rule_credits as (

    {% for model, credits in rules.items() -%}
    select
        customer_key,
        conversion_id,
        touch_position,
        '{{ model }}' as attribution_model,
        credit
    from ({{ credits('conversion_touches') }}) as {{ model }}_credits
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

final as (

    {{ credited_touches('rule_credits') }}

)

select * from final
