{{ incremental_by_record('member_key', unique=true) }}
with

source as (

    select * from {{ source('mailchimp', 'mailchimp__members') }}
    where {{ extracted_since_last_run('extracted_at') }}

),

renamed as (

    select
        cast(source.natural_key as text) as member_key,
        source.payload ->> 'list_id' as list_id,
        source.payload ->> 'id' as member_id,
        source.payload ->> 'unique_email_id' as mc_eid,
        {{ hash_email("source.payload ->> 'email_address'") }} as email_hash,
        source.payload ->> 'status' as status,
        nullif(source.payload ->> 'source', '') as signup_source,
        coalesce(
            cast(nullif(source.payload ->> 'timestamp_signup', '') as timestamptz),
            cast(nullif(source.payload ->> 'timestamp_opt', '') as timestamptz)
        ) as subscribed_at,
        cast(nullif(source.payload ->> 'timestamp_opt', '') as timestamptz) as opted_in_at,
        cast(source.payload ->> 'last_changed' as timestamptz) as last_changed_at,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source

),

deduplicated as (

    select
        *,
        row_number() over (partition by list_id, member_id order by last_changed_at desc, extracted_at desc) as position
    from renamed

),

final as (

    select
        member_key,
        list_id,
        member_id,
        mc_eid,
        email_hash,
        status,
        signup_source,
        subscribed_at,
        opted_in_at,
        last_changed_at,
        extracted_at
    from deduplicated
    where position = 1

)

select * from final
