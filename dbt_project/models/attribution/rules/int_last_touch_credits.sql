-- Last touch: the touch closest before the conversion gets the whole conversion.
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
    where touch_position = touch_count

)

select * from final
