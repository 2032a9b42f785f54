-- First paid touch: the first touch on a paid channel (var attribution_paid_channels) gets the whole conversion;
-- a journey without a paid touch credits its first touch.
with

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

positioned as (

    select
        customer_key,
        conversion_id,
        touch_position,
        min(case when is_paid then touch_position end) over (partition by conversion_id) as first_paid_position
    from conversion_touches

),

final as (

    select
        customer_key,
        conversion_id,
        touch_position,
        cast(1.0 as double precision) as credit
    from positioned
    where touch_position = coalesce(first_paid_position, 1)

)

select * from final
