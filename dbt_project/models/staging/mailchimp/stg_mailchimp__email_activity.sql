{{ incremental_by_record('recipient_key', stamped=true) }}
with

source as (

    select * from {{ source('mailchimp', 'mailchimp__email_activity') }} as raw_record
    where {{ extracted_since_last_run('extracted_at') }}
        and {{ record_changed('raw_record', 'recipient_key') }}

),

actions as (

    select
        cast(source.natural_key as text) as recipient_key,
        source.payload ->> 'campaign_id' as campaign_id,
        source.payload ->> 'list_id' as list_id,
        source.payload ->> 'email_id' as email_id,
        activity.item ->> 'action' as action,
        nullif(activity.item ->> 'type', '') as bounce_type,
        cast(activity.item ->> 'timestamp' as timestamptz) as occurred_at,
        nullif(activity.item ->> 'url', '') as click_url,
        cast(source.extracted_at as timestamptz) as extracted_at,
        {{ record_hash('source') }} as record_hash
    from source
    cross join lateral jsonb_array_elements(coalesce(source.payload -> 'activity', '[]'::jsonb)) as activity (item)

),

parsed as (

    select
        *,
        substring(click_url from '^[a-z]+://[^/?#]+([^?#]*)') as click_path,
        substring(click_url from '[?&]utm_source=([^&#]*)') as utm_source,
        substring(click_url from '[?&]utm_medium=([^&#]*)') as utm_medium,
        substring(click_url from '[?&]utm_campaign=([^&#]*)') as utm_campaign,
        substring(click_url from '[?&]mc_cid=([^&#]*)') as url_mc_cid,
        substring(click_url from '[?&]mc_eid=([^&#]*)') as url_mc_eid
    from actions

),

deduplicated as (

    -- The same action at the same second is one action (an API that repeats an entry must not double it).
    select distinct on (recipient_key, action, occurred_at, click_url)
        *
    from parsed
    order by recipient_key, action, occurred_at, click_url, extracted_at desc

),

final as (

    select
        md5(recipient_key || '|' || action || '|' || cast(extract(epoch from occurred_at) as bigint)::text || '|' || coalesce(click_url, '')) as activity_id,
        recipient_key,
        campaign_id,
        list_id,
        email_id,
        action,
        bounce_type,
        occurred_at,
        click_url,
        case when click_path = '' then '/' else click_path end as click_path,
        utm_source,
        utm_medium,
        utm_campaign,
        url_mc_cid,
        url_mc_eid,
        extracted_at,
        record_hash,
        {{ run_stamp() }} as written_at
    from deduplicated

)

select * from final
