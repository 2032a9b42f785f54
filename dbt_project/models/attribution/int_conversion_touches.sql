{{ incremental_per_customer(['conversion_id', 'touch_position'], reads='journey_touches') }}
{#-
    Each conversion's journey: the customer's touches that count in a path (core.fct_touchpoints.counts_in_path)
    after the previous purchase (fct_conversions.cycle_started_after) and at or before the conversion, within
    conversion_lookback_days. Whether a channel is paid comes from dim_channels (seed channel_groups). A conversion whose window holds no touch gets one stand-in touch on the direct
    channel (touch_id null, is_stand_in true), GA4's "(direct) / (none)", so that every model credits every
    conversion.

    Each touch keeps where it came from (its type, source system, landing page and the traffic source, medium,
    referrer and click id the web analytics recorded), so that the marts reading journeys need not look the
    touch up in the fact.

    Incremental per customer (macro customers_with_changed_touches): a run rebuilds the journeys of the customers
    whose touches changed since its last run (a new touch, a new purchase that cuts a cycle, a merge).
-#}
{%- set direct_channel = var('attribution_direct_channel', 'direct') -%}
{#- where each touch came from, kept for the marts (above) #}
{%- set touch_origin_columns = [
    'touch_type', 'source_system', 'landing_page', 'traffic_source', 'traffic_medium', 'referrer_domain', 'click_id_type',
] -%}

with

conversions as (

    select * from {{ ref('fct_conversions') }}
    where {{ customers_with_changed_touches() }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

channels as (

    select * from {{ ref('dim_channels') }}

),

path_touches as (

    select
        touch_id,
        customer_key,
        occurred_at,
        channel,
        campaign,
        {%- for column in touch_origin_columns %}
        {{ column }},
        {%- endfor %}
        stitched_at
    from touchpoints
    where counts_in_path
        and {{ customers_with_changed_touches() }}

),

cycle_touches as (

    select
        conversions.conversion_id,
        path_touches.touch_id,
        path_touches.occurred_at,
        path_touches.channel,
        path_touches.campaign,
        {%- for column in touch_origin_columns %}
        path_touches.{{ column }},
        {%- endfor %}
        path_touches.stitched_at
    from conversions
    inner join path_touches
        on path_touches.customer_key = conversions.customer_key
        and path_touches.occurred_at <= conversions.converted_at
        and (
            conversions.cycle_started_after is null
            or path_touches.occurred_at > conversions.cycle_started_after
        )
        and path_touches.occurred_at >= {{ dbt.dateadd(
            'day', -1 * var('conversion_lookback_days'), 'conversions.converted_at'
        ) }}

),

journey_touches as (

    select
        conversions.conversion_id,
        conversions.customer_key,
        conversions.converted_at,
        conversions.conversion_date,
        conversions.conversion_type,
        conversions.purchase_seq,
        conversions.revenue,
        cycle_touches.touch_id,
        coalesce(cycle_touches.occurred_at, conversions.converted_at) as occurred_at,
        coalesce(cycle_touches.channel, '{{ direct_channel }}') as channel,
        cycle_touches.campaign,
        {%- for column in touch_origin_columns %}
        cycle_touches.{{ column }},
        {%- endfor %}
        cycle_touches.touch_id is null as is_stand_in,
        greatest(cycle_touches.stitched_at, conversions.touches_stitched_at) as stitched_at
    from conversions
    left join cycle_touches
        on cycle_touches.conversion_id = conversions.conversion_id

),

journey_touches_classified as (

    select
        journey_touches.*,
        channels.is_paid
    from journey_touches
    left join channels
        on channels.channel = journey_touches.channel

),

final as (

    select
        cast(conversion_id as text) as conversion_id,
        cast(
            row_number() over (partition by conversion_id order by occurred_at, touch_id) as integer
        ) as touch_position,
        cast(count(*) over (partition by conversion_id) as integer) as touch_count,
        cast(touch_id as text) as touch_id,
        cast(is_stand_in as boolean) as is_stand_in,
        cast(occurred_at as timestamptz) as occurred_at,
        cast(channel as text) as channel,
        cast(campaign as text) as campaign,
        {%- for column in touch_origin_columns %}
        cast({{ column }} as text) as {{ column }},
        {%- endfor %}
        cast(coalesce(is_paid, false) as boolean) as is_paid,
        cast(channel = '{{ direct_channel }}' as boolean) as is_direct,
        cast(extract(epoch from (converted_at - occurred_at)) / 86400.0 as double precision) as days_before_conversion,
        cast(customer_key as text) as customer_key,
        cast(converted_at as timestamptz) as converted_at,
        cast(conversion_date as date) as conversion_date,
        cast(conversion_type as text) as conversion_type,
        cast(purchase_seq as integer) as purchase_seq,
        cast(revenue as numeric) as revenue,
        cast(max(stitched_at) over (partition by customer_key) as timestamptz) as touches_stitched_at
    from journey_touches_classified

)

select * from final
