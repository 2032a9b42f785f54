{#-
    Time decay: a touch's weight is 2^(-d / half-life), d = its days before the conversion (var
    attribution_half_life_days, default 7), normalised per conversion: a touch one half-life earlier counts half
    as much.
-#}
with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

weighted as (

    select
        customer_key,
        conversion_id,
        touch_position,
        power(
            cast(0.5 as double precision),
            days_before_conversion / {{ var('attribution_half_life_days', 7) }}
        ) as weight
    from conversion_touches

),

final as (

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
    from weighted

)

select * from final
