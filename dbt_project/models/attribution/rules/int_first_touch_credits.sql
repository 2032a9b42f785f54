-- First touch: the journey's first touch gets the whole conversion.
with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

final as (

    select
        customer_key,
        conversion_id,
        touch_position,
        cast(1.0 as double precision) as credit
    from conversion_touches
    where touch_position = 1

)

select * from final
