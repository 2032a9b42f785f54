{#-
    Credited conversions and revenue per report date, attribution model, channel and campaign, with the spend
    behind them and what it cost per conversion (CPA) and returned (ROAS) under each model. Spend comes from
    fct_ad_spend_daily (ad platforms, reporting currency) matched on channel and campaign name (exactly, as UTM
    values are case-sensitive); a day with spend
    but no credited conversion still has its row (conversions 0), so spend is never dropped.
-#}
with

credits as (

    select * from {{ ref('fct_attribution_credits') }}

),

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

credited as (

    select
        conversion_date as report_date,
        attribution_model,
        channel,
        coalesce(campaign, '(not set)') as campaign,
        sum(credit) as conversions,
        coalesce(sum(credited_revenue), 0) as revenue
    from credits
    group by
        conversion_date,
        attribution_model,
        channel,
        coalesce(campaign, '(not set)')

),

daily_spend as (

    select
        ad_spend.report_date,
        campaigns.channel,
        coalesce(ad_spend.campaign_name, '(not set)') as campaign,
        sum(ad_spend.spend) as spend
    from ad_spend
    inner join campaigns
        on campaigns.campaign_key = ad_spend.campaign_key
    where campaigns.channel is not null
    group by
        ad_spend.report_date,
        campaigns.channel,
        coalesce(ad_spend.campaign_name, '(not set)')

),

attribution_models as (

    select distinct attribution_model from credited

),

spend_per_model as (

    select
        daily_spend.report_date,
        attribution_models.attribution_model,
        daily_spend.channel,
        daily_spend.campaign,
        daily_spend.spend
    from daily_spend
    cross join attribution_models

),

joined as (

    select
        coalesce(credited.report_date, spend_per_model.report_date) as report_date,
        coalesce(credited.attribution_model, spend_per_model.attribution_model) as attribution_model,
        coalesce(credited.channel, spend_per_model.channel) as channel,
        coalesce(credited.campaign, spend_per_model.campaign) as campaign,
        coalesce(credited.conversions, 0) as conversions,
        coalesce(credited.revenue, 0) as revenue,
        spend_per_model.spend
    from credited
    full outer join spend_per_model
        on spend_per_model.report_date = credited.report_date
        and spend_per_model.attribution_model = credited.attribution_model
        and spend_per_model.channel = credited.channel
        and spend_per_model.campaign = credited.campaign

),

final as (

    select
        cast(report_date as date) as report_date,
        cast(attribution_model as text) as attribution_model,
        cast(channel as text) as channel,
        cast(campaign as text) as campaign,
        cast(conversions as double precision) as conversions,
        cast(revenue as numeric) as revenue,
        cast(spend as numeric) as spend,
        -- Ratios as floats: they are for reading, money stays numeric.
        cast(case when conversions > 0 then spend / cast(conversions as numeric) end as double precision)
            as cost_per_conversion,
        cast(case when spend > 0 then revenue / spend end as double precision) as return_on_ad_spend
    from joined

)

select * from final
