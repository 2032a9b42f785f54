{#-
    How each email campaign did, from delivery to purchase. Counts follow Mailchimp's own report definitions
    (Reports API: emails_sent, unique_opens, unique_subscriber_clicks): delivered = sent minus bounced
    recipients; an open or click counts once per recipient; rates divide by delivered; click-to-open divides
    unique clickers by unique openers. Conversions are the warehouse's own: purchases whose journey
    (int_conversion_touches) includes a web visit that came from the campaign's links, so the number is comparable
    across channels; revenue is theirs in full.

    The touchpoint contract carries no campaign id and no bounces, so two things are read from Mailchimp's staging:
    the campaign's id, title and send time (matched on the utm_campaign its links carry) and the bounces.
-#}
with

email_activity as (

    select * from {{ ref('fct_email_activity') }}

),

mailchimp_campaigns as (

    select * from {{ ref('stg_mailchimp__campaigns') }}

),

mailchimp_activity as (

    select * from {{ ref('stg_mailchimp__email_activity') }}

),

conversion_touches as (

    select * from {{ ref('int_conversion_touches') }}

),

activity_counts as (

    select
        campaign,
        count(*) filter (where activity_type = 'email_send') as sent,
        count(distinct customer_key) filter (where activity_type = 'email_send') as recipients,
        count(*) filter (where activity_type = 'email_open') as opens,
        count(distinct customer_key) filter (where activity_type = 'email_open') as unique_opens,
        count(*) filter (where activity_type = 'email_click') as clicks,
        count(distinct customer_key) filter (where activity_type = 'email_click') as unique_clicks,
        min(occurred_at) filter (where activity_type = 'email_send') as first_sent_at
    from email_activity
    where campaign is not null
    group by campaign

),

bounces as (

    select
        mailchimp_campaigns.utm_campaign as campaign,
        count(distinct mailchimp_activity.recipient_key) as bounced
    from mailchimp_activity
    inner join mailchimp_campaigns
        on mailchimp_campaigns.campaign_id = mailchimp_activity.campaign_id
    where mailchimp_activity.action = 'bounce'
    group by mailchimp_campaigns.utm_campaign

),

campaign_names as (

    select
        utm_campaign as campaign,
        string_agg(campaign_id, ', ' order by campaign_id) as campaign_id,
        string_agg(campaign_name, ', ' order by campaign_id) as campaign_name,
        min(sent_at) as sent_at
    from mailchimp_campaigns
    where utm_campaign is not null
    group by utm_campaign

),

conversions as (

    select
        campaign,
        count(distinct conversion_id) as conversions,
        count(distinct customer_key) as converted_customers
    from conversion_touches
    where channel = 'email'
        and campaign is not null
    group by campaign

),

conversion_revenue as (

    select
        campaign,
        sum(revenue) as revenue
    from (
        select distinct
            campaign,
            conversion_id,
            revenue
        from conversion_touches
        where channel = 'email'
            and campaign is not null
    ) as converted
    group by campaign

),

joined as (

    select
        activity_counts.campaign,
        campaign_names.campaign_id,
        campaign_names.campaign_name,
        coalesce(campaign_names.sent_at, activity_counts.first_sent_at) as sent_at,
        activity_counts.sent,
        coalesce(bounces.bounced, 0) as bounced,
        greatest(activity_counts.sent - coalesce(bounces.bounced, 0), 0) as delivered,
        activity_counts.recipients,
        activity_counts.opens,
        activity_counts.unique_opens,
        activity_counts.clicks,
        activity_counts.unique_clicks,
        coalesce(conversions.conversions, 0) as conversions,
        coalesce(conversions.converted_customers, 0) as converted_customers,
        coalesce(conversion_revenue.revenue, 0) as revenue
    from activity_counts
    left join campaign_names
        on campaign_names.campaign = activity_counts.campaign
    left join bounces
        on bounces.campaign = activity_counts.campaign
    left join conversions
        on conversions.campaign = activity_counts.campaign
    left join conversion_revenue
        on conversion_revenue.campaign = activity_counts.campaign

),

final as (

    select
        cast(campaign as text) as campaign,
        cast(campaign_id as text) as campaign_id,
        cast(campaign_name as text) as campaign_name,
        cast(sent_at as timestamptz) as sent_at,
        {{ local_date('sent_at', var('report_timezone')) }} as sent_date,
        cast(sent as bigint) as sent,
        cast(bounced as bigint) as bounced,
        cast(delivered as bigint) as delivered,
        cast(opens as bigint) as opens,
        cast(unique_opens as bigint) as unique_opens,
        cast(clicks as bigint) as clicks,
        cast(unique_clicks as bigint) as unique_clicks,
        cast(case when delivered > 0 then unique_opens / cast(delivered as numeric) end as double precision) as open_rate,
        cast(case when delivered > 0 then unique_clicks / cast(delivered as numeric) end as double precision) as click_rate,
        cast(case when unique_opens > 0 then unique_clicks / cast(unique_opens as numeric) end as double precision)
            as click_to_open_rate,
        cast(conversions as bigint) as conversions,
        cast(converted_customers as bigint) as converted_customers,
        cast(revenue as numeric) as revenue,
        cast(case when delivered > 0 then conversions / cast(delivered as numeric) end as double precision)
            as conversions_per_delivered
    from joined

)

select * from final
