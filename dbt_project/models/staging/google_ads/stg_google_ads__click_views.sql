{{ incremental_by_record('gclid', unique=true, stamped=true) }}
with

source as (

    select * from {{ source('google_ads', 'google_ads__click_views') }}
    where {{ extracted_since_last_run('extracted_at') }}

),

renamed as (

    select
        cast(payload -> 'clickView' ->> 'gclid' as text) as gclid,
        cast(payload -> 'customer' ->> 'id' as text) as customer_id,
        cast(payload -> 'customer' ->> 'timeZone' as text) as time_zone,
        cast(payload -> 'campaign' ->> 'id' as text) as campaign_id,
        cast(payload -> 'campaign' ->> 'name' as text) as campaign_name,
        cast(payload -> 'adGroup' ->> 'id' as text) as ad_group_id,
        cast(payload -> 'adGroup' ->> 'name' as text) as ad_group_name,
        cast(payload -> 'clickView' -> 'keywordInfo' ->> 'text' as text) as keyword,
        cast(payload -> 'segments' ->> 'adNetworkType' as text) as ad_network_type,
        cast(payload -> 'segments' ->> 'date' as date) as click_date,
        cast(extracted_at as timestamptz) as extracted_at,
        {{ run_stamp() }} as written_at
    from source

),

final as (

    select distinct on (gclid) *
    from renamed
    where gclid is not null and gclid <> ''
    order by gclid, extracted_at desc

)

select * from final
