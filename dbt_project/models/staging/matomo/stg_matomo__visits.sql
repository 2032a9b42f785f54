{{ incremental_by_record('visit_id', unique=true, stamped=true) }}
{#-
    Matomo visits, typed and renamed: one row per visit. The entry page is the first `action` of the visit; the
    click ids and utm parameters are read from its URL (Matomo strips gclid from stored URLs, so the gclid comes
    from visit-scoped custom dimension 1, where the site keeps it). Values stay as the vendor wrote them (not
    percent-decoded: click ids are URL-safe).
-#}
with

visits as (

    -- One row per visit already (natural_key is the raw table's primary key); each payload decompressed once.
    select
        raw_record.natural_key,
        raw_record.extracted_at,
        raw_record.payload_hash,
        {{ payload_read_once('raw_record') }} as payload
    from {{ source('matomo', 'matomo__visits') }} as raw_record
    where {{ extracted_since_last_run('raw_record.extracted_at') }}
        and {{ record_changed('raw_record', 'visit_id') }}
    offset 0

),

renamed as (

    select
        cast(visits.natural_key as text) as visit_id,
        nullif(visits.payload ->> 'visitorId', '') as visitor_id,
        nullif(visits.payload ->> 'userId', '') as user_id,
        cast(visits.payload ->> 'idSite' as integer) as site_id,
        to_timestamp(cast(visits.payload ->> 'firstActionTimestamp' as bigint)) as first_action_at,
        to_timestamp(cast(visits.payload ->> 'lastActionTimestamp' as bigint)) as last_action_at,
        cast(visits.payload ->> 'serverDate' as date) as site_date,
        nullif(visits.payload ->> 'referrerType', '') as referrer_type,
        nullif(visits.payload ->> 'referrerName', '') as referrer_name,
        nullif(visits.payload ->> 'referrerKeyword', '') as referrer_keyword,
        nullif(visits.payload ->> 'referrerUrl', '') as referrer_url,
        lower(substring(visits.payload ->> 'referrerUrl' from '^[a-zA-Z]+://(?:www\.)?([^/:?#]+)')) as referrer_domain,
        nullif(visits.payload ->> 'campaignName', '') as campaign_name,
        nullif(visits.payload ->> 'campaignSource', '') as campaign_source,
        nullif(visits.payload ->> 'campaignMedium', '') as campaign_medium,
        nullif(visits.payload ->> 'campaignKeyword', '') as campaign_keyword,
        nullif(visits.payload ->> 'campaignContent', '') as campaign_content,
        entry_pages.entry_url,
        coalesce(
            nullif(split_part(regexp_replace(entry_pages.entry_url, '^[a-zA-Z]+://[^/?#]*', ''), '?', 1), ''), '/'
        ) as entry_path,
        cast(visits.payload ->> 'actions' as integer) as actions,
        cast(visits.payload ->> 'visitDuration' as integer) as visit_duration_seconds,
        cast(visits.payload ->> 'actions' as integer) = 1 as is_bounce,
        cast(visits.payload ->> 'goalConversions' as integer) as goal_conversions,
        visits.payload ->> 'visitEcommerceStatus' = 'ordered' as has_ecommerce_order,
        nullif(visits.payload ->> 'deviceType', '') as device_type,
        nullif(visits.payload ->> 'visitorType', '') as visitor_type,
        cast(visits.payload ->> 'visitCount' as integer) as visit_count,
        nullif(visits.payload ->> 'countryCode', '') as country_code,
        coalesce(
            nullif(visits.payload ->> 'dimension1', ''),
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
        coalesce(nullif(visits.payload ->> 'siteCurrency', ''), 'USD') as site_currency,
        cast(visits.extracted_at as timestamptz) as extracted_at,
        {{ record_hash('visits') }} as record_hash,
        {{ run_stamp() }} as written_at
    from visits
    left join lateral (
        select action ->> 'url' as entry_url
        from jsonb_array_elements(
            case when jsonb_typeof(visits.payload -> 'actionDetails') = 'array'
                then visits.payload -> 'actionDetails' else '[]'::jsonb end
        ) with ordinality as actions (action, position)
        where action ->> 'type' = 'action'
        order by position
        limit 1
    ) as entry_pages on true

),

final as (

    select * from renamed

)

select * from final
