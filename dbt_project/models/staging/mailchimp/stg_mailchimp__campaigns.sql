with

source as (

    select * from {{ source('mailchimp', 'mailchimp__campaigns') }}

),

renamed as (

    select
        cast(source.natural_key as text) as campaign_id,
        source.payload -> 'recipients' ->> 'list_id' as list_id,
        coalesce(source.payload -> 'settings' ->> 'title', source.payload -> 'settings' ->> 'subject_line') as campaign_name,
        source.payload -> 'settings' ->> 'subject_line' as subject_line,
        source.payload ->> 'type' as campaign_type,
        source.payload ->> 'status' as status,
        nullif(source.payload -> 'tracking' ->> 'google_analytics', '') as utm_campaign,
        cast(nullif(source.payload ->> 'create_time', '') as timestamptz) as created_at,
        cast(nullif(source.payload ->> 'send_time', '') as timestamptz) as sent_at,
        cast(source.payload ->> 'emails_sent' as integer) as emails_sent,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source

),

final as (

    select
        campaign_id,
        list_id,
        campaign_name,
        subject_line,
        campaign_type,
        status,
        utm_campaign,
        created_at,
        sent_at,
        emails_sent,
        extracted_at
    from renamed

)

select * from final
