{{ incremental_by_record('recipient_key', unique=true, stamped=true) }}
with

source as (

    select * from {{ source('mailchimp', 'mailchimp__email_activity') }} as raw_record
    where {{ extracted_since_last_run('extracted_at') }}
        and {{ record_changed('raw_record', 'recipient_key') }}

),

final as (

    select
        cast(source.natural_key as text) as recipient_key,
        source.payload ->> 'campaign_id' as campaign_id,
        source.payload ->> 'list_id' as list_id,
        source.payload ->> 'email_id' as email_id,
        {{ hash_email("source.payload ->> 'email_address'") }} as email_hash,
        jsonb_array_length(coalesce(source.payload -> 'activity', '[]'::jsonb)) as actions,
        cast(source.extracted_at as timestamptz) as extracted_at,
        {{ record_hash('source') }} as record_hash,
        {{ run_stamp() }} as written_at
    from source

)

select * from final
