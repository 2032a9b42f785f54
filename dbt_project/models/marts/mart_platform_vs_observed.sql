{#-
    How much do the ad platforms over-claim? Per platform and day: the conversions the platform reports for its
    ad interactions of that day (fct_ad_spend_daily.platform_conversions; Google Ads and Meta both report a
    conversion on the day of the click that led to it) against the purchases the warehouse observed after clicks
    it can tie to that platform (a landing visit carrying the platform's click id: gclid for Google Ads, fbclid
    for Meta) within the platform's default click-through window (Google Ads 30 days, Meta 7 days). An observed
    purchase counts once per platform, on the day of its last click from that platform; it counts for every
    platform that had a click before it, which is exactly how summing the platforms' own numbers double-counts
    (`observed_also_claimable_by_other_platform`). Never add claimed conversions across platforms.

    Days are report-time-zone days on both sides: the platform's account-local day is placed on the report date of
    its noon (fct_ad_spend_daily), a click on the report date it happened. A click late in an account's local day
    can therefore sit one report date away from the platform's count of it; compare weeks or months for accounts
    far from the report time zone.
-#}
with

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

platforms as (

    select * from (
        values
            ('google_ads', 'gclid', 30),
            ('meta_ads', 'fbclid', 7)
    ) as platforms (platform, click_id_type, click_window_days)

),

claimed as (

    select
        platform,
        report_date,
        sum(clicks) as platform_clicks,
        sum(platform_conversions) as claimed_conversions,
        sum(platform_conversion_value) as claimed_conversion_value
    from ad_spend
    group by
        platform,
        report_date

),

platform_clicks as (

    select
        touchpoints.touch_date,
        platforms.platform
    from touchpoints
    inner join platforms
        on platforms.click_id_type = touchpoints.click_id_type
    where touchpoints.touch_type = 'web_visit'

),

observed_clicks as (

    select
        platform,
        touch_date as report_date,
        count(*) as observed_clicks
    from platform_clicks
    group by
        platform,
        touch_date

),

{#- The clicks in purchase journeys come from int_conversion_touches, which keeps each touch's click id: no second
    look-up of the fact's visits. -#}
converting_clicks as (

    select
        conversion_touches.conversion_id,
        conversion_touches.revenue,
        platforms.platform,
        {{ local_date('conversion_touches.occurred_at', var('report_timezone')) }} as touch_date,
        row_number() over (
            partition by conversion_touches.conversion_id, platforms.platform
            order by conversion_touches.occurred_at desc, conversion_touches.touch_id desc
        ) as recency
    from conversion_touches
    inner join platforms
        on platforms.click_id_type = conversion_touches.click_id_type
    where conversion_touches.touch_type = 'web_visit'
        and conversion_touches.days_before_conversion <= platforms.click_window_days

),

last_platform_clicks as (

    select
        conversion_id,
        revenue,
        platform,
        touch_date,
        count(*) over (partition by conversion_id) > 1 as also_other_platform
    from converting_clicks
    where recency = 1

),

observed as (

    select
        platform,
        touch_date as report_date,
        count(*) as observed_conversions,
        coalesce(sum(revenue), 0) as observed_revenue,
        count(*) filter (where also_other_platform) as observed_also_claimable_by_other_platform
    from last_platform_clicks
    group by
        platform,
        touch_date

),

platform_days as (

    select platform, report_date from claimed
    union
    select platform, report_date from observed_clicks
    union
    select platform, report_date from observed

),

final as (

    select
        cast(platform_days.platform as text) as platform,
        cast(platform_days.report_date as date) as report_date,
        cast(coalesce(claimed.platform_clicks, 0) as bigint) as platform_clicks,
        cast(coalesce(observed_clicks.observed_clicks, 0) as bigint) as observed_clicks,
        cast(coalesce(claimed.claimed_conversions, 0) as numeric) as claimed_conversions,
        cast(coalesce(observed.observed_conversions, 0) as bigint) as observed_conversions,
        cast(
            coalesce(claimed.claimed_conversions, 0) - coalesce(observed.observed_conversions, 0) as numeric
        ) as over_claimed_conversions,
        cast(
            case
                when observed.observed_conversions > 0
                    then coalesce(claimed.claimed_conversions, 0) / observed.observed_conversions
            end as double precision
        ) as claimed_to_observed_ratio,
        cast(coalesce(claimed.claimed_conversion_value, 0) as numeric) as claimed_conversion_value,
        cast(coalesce(observed.observed_revenue, 0) as numeric) as observed_revenue,
        cast(coalesce(observed.observed_also_claimable_by_other_platform, 0) as bigint)
            as observed_also_claimable_by_other_platform
    from platform_days
    left join claimed
        on claimed.platform = platform_days.platform
        and claimed.report_date = platform_days.report_date
    left join observed_clicks
        on observed_clicks.platform = platform_days.platform
        and observed_clicks.report_date = platform_days.report_date
    left join observed
        on observed.platform = platform_days.platform
        and observed.report_date = platform_days.report_date

)

select * from final
