{#- The channel groups, from the seed channel_groups that analysts edit together with channel_rules. -#}
with

channel_groups as (

    select * from {{ ref('channel_groups') }}

),

final as (

    select
        cast(channel as text) as channel,
        cast(channel_label as text) as channel_label,
        cast(ga4_channel_group as text) as ga4_channel_group,
        cast(is_paid as boolean) as is_paid,
        cast(sort_order as integer) as sort_order,
        cast(description as text) as description
    from channel_groups

)

select * from final
