-- Linear: every touch of the journey gets an equal share; a channel touched twice gets two shares.
with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

final as (

    select
        customer_key,
        conversion_id,
        touch_position,
        cast(1.0 / touch_count as double precision) as credit
    from conversion_touches

)

select * from final
