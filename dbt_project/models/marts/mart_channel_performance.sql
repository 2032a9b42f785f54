{#-
    Daily performance of each channel group: what it cost (ad platforms' spend, reporting currency), what it
    delivered (impressions, clicks, web sessions, touches) and what it brought back (purchases and revenue),
    with the ratios a marketer reads (CTR, CPC, CPA, ROAS).

    Two views of conversions sit side by side. `conversions` and `revenue` count the purchase touches themselves
    in the channel the purchase happened on (unchanged since the first version of this mart). The
    `<model>_conversions` / `_revenue` columns are the conversions each attribution model credits to the channel
    (mart_attribution, summed over campaigns), with the CPA and ROAS they imply: the answer to "what did the
    channel's spend return". Purchases mostly happen on a direct visit or in the CRM, so the headline `cpa` and
    `roas` use the credits of one model, dbt var `channel_performance_headline_model` (default last_non_direct, the
    last-click view ad platforms are usually compared with). The list of models is fixed here so that the columns
    are stable; a model that has not run yet (the data-driven ones before the Airflow task `attribute`) shows 0
    conversions. Without the attribution models (dbt var `channel_performance_with_attribution: false`, e.g. a
    project that drops models/attribution) the mart still builds, with 0 credited conversions.
-#}
{%- set attribution_models = [
    'first_touch', 'last_touch', 'last_non_direct', 'first_paid', 'last_paid', 'linear', 'time_decay',
    'position_based', 'markov_order_1', 'markov_order_2', 'shapley',
] -%}
{%- set headline_model = var('channel_performance_headline_model', 'last_non_direct') -%}
{%- if headline_model not in attribution_models -%}
    {{ exceptions.raise_compiler_error(
        "dbt var channel_performance_headline_model must be one of " ~ attribution_models | join(', ')
    ) }}
{%- endif %}
with

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

ad_spend as (

    select * from {{ ref('fct_ad_spend_daily') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

web_sessions as (

    select * from {{ ref('fct_web_sessions') }}

),

attribution as (

    {% if var('channel_performance_with_attribution', true) -%}
    select * from {{ ref('mart_attribution') }}
    {%- else -%}
    -- built without the attribution models (dbt var channel_performance_with_attribution: false): no credits
    select
        cast(null as date) as report_date,
        cast(null as text) as channel,
        cast(null as text) as attribution_model,
        cast(null as double precision) as conversions,
        cast(null as numeric) as revenue
    where false
    {%- endif %}

),

daily_touches as (

    select
        touch_date as report_date,
        channel,
        count(*) as touches,
        count(distinct customer_key) as customers,
        sum(case when is_conversion then 1 else 0 end) as conversions,
        -- revenue is in the reporting currency already; assert_purchases_have_reporting_revenue warns about any
        -- purchase left out for want of an FX rate.
        coalesce(sum(revenue), 0) as revenue
    from touchpoints
    group by
        touch_date,
        channel

),

daily_spend as (

    select
        ad_spend.report_date,
        -- a campaign the platform's list lacks still has spend; it counts as other until a rule names it
        coalesce(campaigns.channel, 'other') as channel,
        sum(ad_spend.spend) as spend,
        sum(ad_spend.impressions) as impressions,
        sum(ad_spend.clicks) as clicks
    from ad_spend
    left join campaigns
        on campaigns.campaign_key = ad_spend.campaign_key
    group by
        ad_spend.report_date,
        coalesce(campaigns.channel, 'other')

),

daily_sessions as (

    select
        session_date as report_date,
        coalesce(channel, 'other') as channel,
        count(*) as sessions
    from web_sessions
    group by
        session_date,
        coalesce(channel, 'other')

),

daily_credits as (

    select
        report_date,
        channel,
        {%- for model in attribution_models %}
        sum(conversions) filter (where attribution_model = '{{ model }}') as {{ model }}_conversions,
        sum(revenue) filter (where attribution_model = '{{ model }}') as {{ model }}_revenue{{ ',' if not loop.last }}
        {%- endfor %}
    from attribution
    group by
        report_date,
        channel

),

report_days as (

    select report_date, channel from daily_touches
    union
    select report_date, channel from daily_spend
    union
    select report_date, channel from daily_sessions
    union
    select report_date, channel from daily_credits

),

joined as (

    select
        report_days.report_date,
        report_days.channel,
        coalesce(daily_touches.touches, 0) as touches,
        coalesce(daily_touches.customers, 0) as customers,
        coalesce(daily_touches.conversions, 0) as conversions,
        coalesce(daily_touches.revenue, 0) as revenue,
        daily_spend.spend,
        daily_spend.impressions,
        daily_spend.clicks,
        coalesce(daily_sessions.sessions, 0) as sessions,
        {%- for model in attribution_models %}
        coalesce(daily_credits.{{ model }}_conversions, 0) as {{ model }}_conversions,
        coalesce(daily_credits.{{ model }}_revenue, 0) as {{ model }}_revenue{{ ',' if not loop.last }}
        {%- endfor %}
    from report_days
    left join daily_touches
        on daily_touches.report_date = report_days.report_date
        and daily_touches.channel = report_days.channel
    left join daily_spend
        on daily_spend.report_date = report_days.report_date
        and daily_spend.channel = report_days.channel
    left join daily_sessions
        on daily_sessions.report_date = report_days.report_date
        and daily_sessions.channel = report_days.channel
    left join daily_credits
        on daily_credits.report_date = report_days.report_date
        and daily_credits.channel = report_days.channel

),

final as (

    select
        cast(report_date as date) as report_date,
        cast(channel as text) as channel,
        cast(touches as bigint) as touches,
        cast(customers as bigint) as customers,
        cast(conversions as bigint) as conversions,
        cast(revenue as numeric) as revenue,
        cast(spend as numeric) as spend,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(case when impressions > 0 then clicks / cast(impressions as numeric) end as double precision) as ctr,
        cast(case when clicks > 0 then spend / clicks end as double precision) as cpc,
        cast(sessions as bigint) as sessions,
        cast(
            case when {{ headline_model }}_conversions > 0 then spend / cast({{ headline_model }}_conversions as numeric) end
            as double precision
        ) as cpa,
        cast(case when spend > 0 then {{ headline_model }}_revenue / spend end as double precision) as roas,
        {%- for model in attribution_models %}
        cast({{ model }}_conversions as double precision) as {{ model }}_conversions,
        cast({{ model }}_revenue as numeric) as {{ model }}_revenue,
        cast(
            case when {{ model }}_conversions > 0 then spend / cast({{ model }}_conversions as numeric) end
            as double precision
        ) as {{ model }}_cpa,
        cast(case when spend > 0 then {{ model }}_revenue / spend end as double precision) as {{ model }}_roas{{ ',' if not loop.last }}
        {%- endfor %}
    from joined

)

select * from final
