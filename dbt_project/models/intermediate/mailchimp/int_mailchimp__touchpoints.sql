{{ incremental_by_record('touch_id', unique=true, stamped=true) }}
{#-
    Mailchimp's touches in the shape every source gives the core (docs/architecture.md, Seam 2b): a campaign sent
    to a recipient, each open and each click. The channel is email by the source's own say; none counts in the path
    (a click lands a web visit, which is the touch). The person is named by the member's mc_eid when the member is
    known, else by the hashed address.
-#}
with

recipients as (

    select * from {{ ref('stg_mailchimp__campaign_recipients') }}
    where {{ written_since_last_run() }}

),

activity as (

    select * from {{ ref('stg_mailchimp__email_activity') }}
    where {{ written_since_last_run() }}

),

campaigns as (

    select * from {{ ref('stg_mailchimp__campaigns') }}

),

members as (

    select * from {{ ref('stg_mailchimp__members') }}

),

sends as (

    select
        'mailchimp:email_send:' || recipients.recipient_key as touch_id,
        'email_send' as touch_type,
        campaigns.sent_at as occurred_at,
        recipients.list_id,
        recipients.email_id,
        recipients.email_hash,
        campaigns.utm_campaign as campaign,
        cast(null as text) as click_id_type,
        cast(null as text) as landing_page,
        recipients.recipient_key as source_record_id,
        recipients.extracted_at
    from recipients
    inner join campaigns on campaigns.campaign_id = recipients.campaign_id
    where campaigns.sent_at is not null

),

opens_and_clicks as (

    select
        'mailchimp:email_' || activity.action || ':' || activity.activity_id as touch_id,
        'email_' || activity.action as touch_type,
        activity.occurred_at,
        activity.list_id,
        activity.email_id,
        recipients.email_hash,
        coalesce(activity.utm_campaign, campaigns.utm_campaign) as campaign,
        case when activity.url_mc_eid is not null then 'mc_eid' end as click_id_type,
        activity.click_path as landing_page,
        activity.activity_id as source_record_id,
        activity.extracted_at
    from activity
    left join recipients on recipients.recipient_key = activity.recipient_key
    left join campaigns on campaigns.campaign_id = activity.campaign_id
    where activity.action in ('open', 'click')

),

touches as (

    select * from sends
    union all
    select * from opens_and_clicks

),

final as (

    select
        cast(touches.touch_id as text) as touch_id,
        cast('mailchimp' as text) as source_system,
        cast(touches.touch_type as text) as touch_type,
        cast(touches.occurred_at as timestamptz) as occurred_at,
        cast(case when members.mc_eid is not null then 'mc_eid' else 'email_hash' end as text) as identifier_type,
        cast(coalesce(members.mc_eid, touches.email_hash) as text) as identifier_value,
        cast('email' as text) as channel,
        cast('mailchimp' as text) as traffic_source,
        cast('email' as text) as traffic_medium,
        cast(touches.campaign as text) as campaign,
        cast(null as text) as referrer_domain,
        cast(touches.click_id_type as text) as click_id_type,
        cast(touches.landing_page as text) as landing_page,
        cast(null as integer) as engagement_seconds,
        cast(null as boolean) as is_bounce,
        false as counts_in_path,
        false as is_conversion,
        cast(null as numeric) as revenue_amount,
        cast(null as text) as revenue_currency,
        cast(touches.source_record_id as text) as source_record_id,
        cast(touches.extracted_at as timestamptz) as extracted_at,
        {{ run_stamp() }} as written_at
    from touches
    left join members on members.list_id = touches.list_id and members.member_id = touches.email_id
    where coalesce(members.mc_eid, touches.email_hash) is not null

)

select * from final
