{{ incremental_by_record('contact_id', unique=true) }}
with

source as (

    select * from {{ source('hubspot', 'hubspot__contacts') }}
    where {{ extracted_since_last_run('extracted_at') }}

),

renamed as (

    select
        cast(source.natural_key as text) as contact_id,
        {{ hash_email("source.payload -> 'properties' ->> 'email'") }} as email_hash,
        {{ hubspot_property('lifecyclestage', payload='source.payload') }} as lifecycle_stage,
        {{ hubspot_property('hs_analytics_source', payload='source.payload') }} as analytics_source,
        {{ hubspot_property('hs_analytics_source_data_1', payload='source.payload') }} as analytics_source_data_1,
        {{ hubspot_property('hs_analytics_source_data_2', payload='source.payload') }} as analytics_source_data_2,
        -- Custom properties the web app and the loyalty programme sync in: identifiers, not PII, kept as they are.
        {{ hubspot_property('app_user_id', payload='source.payload') }} as app_user_id,
        {{ hubspot_property('loyalty_id', payload='source.payload') }} as loyalty_id,
        {{ hubspot_property('referral_code', payload='source.payload') }} as referral_code,
        {{ hubspot_property('referred_by_code', payload='source.payload') }} as referred_by_code,
        coalesce(
            {{ hubspot_property('createdate', 'timestamptz', payload='source.payload') }},
            cast(source.payload ->> 'createdAt' as timestamptz)
        ) as created_at,
        coalesce(
            {{ hubspot_property('lastmodifieddate', 'timestamptz', payload='source.payload') }},
            cast(source.payload ->> 'updatedAt' as timestamptz),
            source.source_updated_at
        ) as updated_at,
        coalesce(cast(source.payload ->> 'archived' as boolean), false) as is_archived,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source

),

final as (

    select
        contact_id,
        email_hash,
        lifecycle_stage,
        analytics_source,
        analytics_source_data_1,
        analytics_source_data_2,
        app_user_id,
        loyalty_id,
        referral_code,
        referred_by_code,
        created_at,
        updated_at,
        is_archived,
        extracted_at
    from renamed

)

select * from final
