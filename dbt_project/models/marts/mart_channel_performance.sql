with

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

daily_channel as (

    select
        touch_date as report_date,
        channel,
        count(*) as touches,
        count(distinct customer_key) as customers,
        sum(case when journey_stage = 'purchase' then 1 else 0 end) as conversions,
        -- Until FX conversion arrives (issue 5) only revenue already in the reporting currency is summed; the test
        -- assert_revenue_in_reporting_currency warns about any that is left out.
        coalesce(
            sum(case when revenue_currency = '{{ var("reporting_currency") }}' then revenue end),
            0
        ) as revenue
    from touchpoints
    group by
        touch_date,
        channel

),

final as (

    select
        cast(report_date as date) as report_date,
        cast(channel as text) as channel,
        cast(touches as bigint) as touches,
        cast(customers as bigint) as customers,
        cast(conversions as bigint) as conversions,
        cast(revenue as numeric) as revenue
    from daily_channel

)

select * from final
