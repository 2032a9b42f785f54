-- Last non-direct touch: the last touch not on the direct channel gets the whole conversion; a journey of only
-- direct touches credits its last touch, so no conversion is dropped.
with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

positioned as (

    select
        customer_key,
        conversion_id,
        touch_position,
        touch_count,
        max(case when not is_direct then touch_position end) over (partition by conversion_id)
            as last_non_direct_position
    from conversion_touches

),

final as (

    select
        customer_key,
        conversion_id,
        touch_position,
        cast(1.0 as double precision) as credit
    from positioned
    where touch_position = coalesce(last_non_direct_position, touch_count)

)

select * from final
