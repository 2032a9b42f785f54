{{ incremental_per_customer(['conversion_id', 'touch_position', 'attribution_model']) }}
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

    {{ credited_touches('rule_credits') }}

)

select * from final
