{{ incremental_by_record('visit_id', unique=true, stamped=true) }}
{#-
    Matomo visits, typed and renamed: one row per visit. The entry page is the first `action` of the visit; the
    click ids and utm parameters are read from its URL (Matomo strips gclid from stored URLs, so the gclid comes
    from visit-scoped custom dimension 1, where the site keeps it). Values stay as the vendor wrote them (not
    percent-decoded: click ids are URL-safe).
-#}
with

source as (

    select * from {{ source('matomo', 'matomo__visits') }} as raw_record
    where {{ extracted_since_last_run('extracted_at') }}
        and {{ record_changed('raw_record', 'visit_id') }}

),

deduplicated as (

    select distinct on (natural_key) *
    from source
    order by natural_key, source_updated_at desc nulls last, extracted_at desc

),

entry_pages as (

    select
        deduplicated.natural_key,
        (
            select action ->> 'url'
            from jsonb_array_elements(
                case when jsonb_typeof(deduplicated.payload -> 'actionDetails') = 'array'
                    then deduplicated.payload -> 'actionDetails' else '[]'::jsonb end
            ) with ordinality as actions (action, position)
            where action ->> 'type' = 'action'
            order by position
            limit 1
        ) as entry_url
    from deduplicated

),

renamed as (

    select
        cast(deduplicated.natural_key as text) as visit_id,
        nullif(deduplicated.payload ->> 'visitorId', '') as visitor_id,
        nullif(deduplicated.payload ->> 'userId', '') as user_id,
        cast(deduplicated.payload ->> 'idSite' as integer) as site_id,
        to_timestamp(cast(deduplicated.payload ->> 'firstActionTimestamp' as bigint)) as first_action_at,
        to_timestamp(cast(deduplicated.payload ->> 'lastActionTimestamp' as bigint)) as last_action_at,
        cast(deduplicated.payload ->> 'serverDate' as date) as site_date,
        nullif(deduplicated.payload ->> 'referrerType', '') as referrer_type,
        nullif(deduplicated.payload ->> 'referrerName', '') as referrer_name,
        nullif(deduplicated.payload ->> 'referrerKeyword', '') as referrer_keyword,
        nullif(deduplicated.payload ->> 'referrerUrl', '') as referrer_url,
        lower(substring(deduplicated.payload ->> 'referrerUrl' from '^[a-zA-Z]+://(?:www\.)?([^/:?#]+)')) as referrer_domain,
        nullif(deduplicated.payload ->> 'campaignName', '') as campaign_name,
        nullif(deduplicated.payload ->> 'campaignSource', '') as campaign_source,
        nullif(deduplicated.payload ->> 'campaignMedium', '') as campaign_medium,
        nullif(deduplicated.payload ->> 'campaignKeyword', '') as campaign_keyword,
        nullif(deduplicated.payload ->> 'campaignContent', '') as campaign_content,
        entry_pages.entry_url,
        coalesce(
            nullif(split_part(regexp_replace(entry_pages.entry_url, '^[a-zA-Z]+://[^/?#]*', ''), '?', 1), ''), '/'
        ) as entry_path,
        cast(deduplicated.payload ->> 'actions' as integer) as actions,
        cast(deduplicated.payload ->> 'visitDuration' as integer) as visit_duration_seconds,
        cast(deduplicated.payload ->> 'actions' as integer) = 1 as is_bounce,
        cast(deduplicated.payload ->> 'goalConversions' as integer) as goal_conversions,
        deduplicated.payload ->> 'visitEcommerceStatus' = 'ordered' as has_ecommerce_order,
        nullif(deduplicated.payload ->> 'deviceType', '') as device_type,
        nullif(deduplicated.payload ->> 'visitorType', '') as visitor_type,
        cast(deduplicated.payload ->> 'visitCount' as integer) as visit_count,
        nullif(deduplicated.payload ->> 'countryCode', '') as country_code,
        coalesce(
            nullif(deduplicated.payload ->> 'dimension1', ''),
            substring(entry_pages.entry_url from '[?&]gclid=([^&#]+)')
        ) as gclid,
        substring(entry_pages.entry_url from '[?&]fbclid=([^&#]+)') as fbclid,
        substring(entry_pages.entry_url from '[?&]mc_eid=([^&#]+)') as mc_eid,
        substring(entry_pages.entry_url from '[?&]mc_cid=([^&#]+)') as mc_cid,
        substring(entry_pages.entry_url from '[?&]utm_source=([^&#]+)') as utm_source,
        substring(entry_pages.entry_url from '[?&]utm_medium=([^&#]+)') as utm_medium,
        substring(entry_pages.entry_url from '[?&]utm_campaign=([^&#]+)') as utm_campaign,
        substring(entry_pages.entry_url from '[?&]utm_term=([^&#]+)') as utm_term,
        substring(entry_pages.entry_url from '[?&]utm_content=([^&#]+)') as utm_content,
        coalesce(nullif(deduplicated.payload ->> 'siteCurrency', ''), 'USD') as site_currency,
        cast(deduplicated.extracted_at as timestamptz) as extracted_at,
        {{ record_hash('deduplicated') }} as record_hash,
        {{ run_stamp() }} as written_at
    from deduplicated
    left join entry_pages on entry_pages.natural_key = deduplicated.natural_key

),

final as (

    select * from renamed

)

select * from final
