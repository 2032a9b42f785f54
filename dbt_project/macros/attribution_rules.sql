{#-
    The rule-based attribution models, one macro each: the credit every touch of a journey gets, as rows
    (customer_key, conversion_id, touch_position, credit) from `touches`, journeys in the shape of
    int_conversion_touches (a relation or a CTE name). Each rule's view in models/attribution/rules applies it to
    every journey; int_rule_based_credits applies all eight to the journeys of the customers it rebuilds, so a
    daily run computes credits for those journeys only (a view joined to them would read every journey:
    PostgreSQL pushes no semi-join into a window's input).
-#}

{#- The rules that give one touch the whole conversion: the touch at `credited_position`, an expression over the
    journey's columns and the `windows` (name: window expression over the journey, computed per touch). -#}
{% macro whole_conversion_to_one_touch(touches, credited_position, windows={}) -%}
    select
        customer_key,
        conversion_id,
        touch_position,
        cast(1.0 as double precision) as credit
    from (
        select
            customer_key,
            conversion_id,
            touch_position,
            touch_count
            {%- for name, expression in windows.items() %},
            {{ expression }} as {{ name }}
            {%- endfor %}
        from {{ touches }}
    ) as positioned
    where touch_position = {{ credited_position }}
{%- endmacro %}

{#- First touch: the journey's first touch gets the whole conversion. -#}
{% macro first_touch_credits(touches) -%}
    {{ whole_conversion_to_one_touch(touches, '1') }}
{%- endmacro %}

{#- Last touch: the touch closest before the conversion gets the whole conversion. -#}
{% macro last_touch_credits(touches) -%}
    {{ whole_conversion_to_one_touch(touches, 'touch_count') }}
{%- endmacro %}

{#- Last non-direct touch: the last touch not on the direct channel gets the whole conversion; a journey of only
    direct touches credits its last touch, so no conversion is dropped. -#}
{% macro last_non_direct_credits(touches) -%}
    {{ whole_conversion_to_one_touch(
        touches,
        'coalesce(last_non_direct_position, touch_count)',
        {'last_non_direct_position': last_position_where('not is_direct')},
    ) }}
{%- endmacro %}

{#- First paid touch: the first touch on a paid channel (var attribution_paid_channels) gets the whole
    conversion; a journey without a paid touch credits its first touch. -#}
{% macro first_paid_credits(touches) -%}
    {{ whole_conversion_to_one_touch(
        touches,
        'coalesce(first_paid_position, 1)',
        {'first_paid_position': 'min(case when is_paid then touch_position end) over (partition by conversion_id)'},
    ) }}
{%- endmacro %}

{#- Last paid touch: the last touch on a paid channel (var attribution_paid_channels) gets the whole conversion;
    a journey without a paid touch falls back to last non-direct, then to last touch (as GA4's "ads-preferred"
    model falls back to cross-channel last click). -#}
{% macro last_paid_credits(touches) -%}
    {{ whole_conversion_to_one_touch(
        touches,
        'coalesce(last_paid_position, last_non_direct_position, touch_count)',
        {
            'last_paid_position': last_position_where('is_paid'),
            'last_non_direct_position': last_position_where('not is_direct'),
        },
    ) }}
{%- endmacro %}

{#- The position of the journey's last touch meeting `condition`, or null. -#}
{% macro last_position_where(condition) -%}
    max(case when {{ condition }} then touch_position end) over (partition by conversion_id)
{%- endmacro %}

{#- Linear: every touch of the journey gets an equal share; a channel touched twice gets two shares. -#}
{% macro linear_credits(touches) -%}
    select
        customer_key,
        conversion_id,
        touch_position,
        cast(1.0 / touch_count as double precision) as credit
    from {{ touches }}
{%- endmacro %}

{#- Time decay: a touch's weight is 2^(-d / half-life), d = its days before the conversion (var
    attribution_half_life_days, default 7), normalised per conversion: a touch one half-life earlier counts half
    as much. -#}
{% macro time_decay_credits(touches) -%}
    select
        customer_key,
        conversion_id,
        touch_position,
        -- Summed in touch order: floating-point sums depend on their order, and a fixed one gives the same
        -- credits to the last digit whichever plan reads the touches.
        cast(
            weight / sum(weight) over (
                partition by conversion_id
                order by touch_position
                rows between unbounded preceding and unbounded following
            ) as double precision
        ) as credit
    from (
        select
            customer_key,
            conversion_id,
            touch_position,
            power(
                cast(0.5 as double precision),
                days_before_conversion / {{ var('attribution_half_life_days', 7) }}
            ) as weight
        from {{ touches }}
    ) as weighted
{%- endmacro %}

{#- Position-based ("U-shaped"): the first touch gets the first share, the last touch the last share, and the
    touches in between split the middle share equally (var attribution_position_weights, default [0.4, 0.2, 0.4],
    normalised to sum to 1). One touch: all of it. Two touches: first and last shares rescaled to sum to 1
    (50 / 50 by default; 50 / 50 too if both are 0). -#}
{% macro position_based_credits(touches) -%}
    {%- set weights = var('attribution_position_weights', [0.4, 0.2, 0.4]) -%}
    {%- set total = weights[0] + weights[1] + weights[2] -%}
    {%- set first_share = weights[0] / total -%}
    {%- set middle_share = weights[1] / total -%}
    {%- set last_share = weights[2] / total -%}
    {%- set ends = first_share + last_share -%}
    select
        customer_key,
        conversion_id,
        touch_position,
        cast(
            case
                when touch_count = 1 then 1.0
                when touch_count = 2 and touch_position = 1
                    then {{ first_share / ends if ends > 0 else 0.5 }}
                when touch_count = 2 then {{ last_share / ends if ends > 0 else 0.5 }}
                when touch_position = 1 then {{ first_share }}
                when touch_position = touch_count then {{ last_share }}
                else {{ middle_share }} / (touch_count - 2)
            end
            as double precision
        ) as credit
    from {{ touches }}
{%- endmacro %}
