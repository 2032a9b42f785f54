-- Last paid touch: the last touch on a paid channel (var attribution_paid_channels) gets the whole conversion; a
-- journey without a paid touch falls back to last non-direct, then to last touch (as GA4's "ads-preferred" model
-- falls back to cross-channel last click).
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
        max(case when is_paid then touch_position end) over (partition by conversion_id) as last_paid_position,
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
    where touch_position = coalesce(last_paid_position, last_non_direct_position, touch_count)

)

select * from final
