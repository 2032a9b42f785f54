{{ incremental_by_record('touch_id', unique=true, stamped=true) }}
{#-
    Google Ads clicks in the touchpoint contract (docs/architecture.md, Seam 2b): one ad_click per gclid, named by
    the gclid. It does not count in the path: the click lands a web visit (whose URL carries the same gclid), and
    that visit is the journey's touch. click_view gives the click's day, not its time: occurred_at is the start of
    that day in the account's time zone.
-#}
with

clicks as (

    select * from {{ ref('stg_google_ads__click_views') }}
    where {{ written_since_last_run() }}

),

campaigns as (

    select * from {{ ref('int_google_ads__campaigns') }}

),

final as (

    select
        cast('google_ads:ad_click:' || clicks.gclid as text) as touch_id,
        cast('google_ads' as text) as source_system,
        cast('ad_click' as text) as touch_type,
        cast(clicks.click_date as timestamp) at time zone coalesce(clicks.time_zone, 'UTC') as occurred_at,
        cast('gclid' as text) as identifier_type,
        clicks.gclid as identifier_value,
        campaigns.channel,
        cast('google' as text) as traffic_source,
        cast(case campaigns.channel when 'display' then 'display' else 'cpc' end as text) as traffic_medium,
        clicks.campaign_name as campaign,
        cast(null as text) as referrer_domain,
        cast('gclid' as text) as click_id_type,
        cast(null as text) as landing_page,
        cast(null as integer) as engagement_seconds,
        cast(null as boolean) as is_bounce,
        false as counts_in_path,
        false as is_conversion,
        cast(null as numeric) as revenue_amount,
        cast(null as text) as revenue_currency,
        clicks.gclid as source_record_id,
        clicks.extracted_at,
        {{ run_stamp() }} as written_at
    from clicks
    left join campaigns
        on campaigns.account_id = clicks.customer_id and campaigns.campaign_id = clicks.campaign_id

)

select * from final
