{#-
    Position-based ("U-shaped"): the first touch gets the first share, the last touch the last share, and the
    touches in between split the middle share equally (var attribution_position_weights, default [0.4, 0.2, 0.4],
    normalised to sum to 1). One touch: all of it. Two touches: first and last shares rescaled to sum to 1
    (50 / 50 by default; 50 / 50 too if both are 0).
-#}
{%- set weights = var('attribution_position_weights', [0.4, 0.2, 0.4]) -%}
{%- set total = weights[0] + weights[1] + weights[2] -%}
{%- set first_share = weights[0] / total -%}
{%- set middle_share = weights[1] / total -%}
{%- set last_share = weights[2] / total -%}
{%- set ends = first_share + last_share -%}
with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

final as (

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
    from conversion_touches

)

select * from final
