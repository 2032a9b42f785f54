{#-
    Sales calls from the dialer's CSV exports. Only the rows of each file's newest version count: a corrected
    export replaces the whole file, including rows it dropped (see `_offline__sources.yml`).
    Times without an offset are UTC, as the exports state.
-#}
with

source as (

    select * from {{ source('offline', 'offline__calls') }}

),

current_rows as (

    select *
    from (
        select
            source.*,
            source.payload ->> '_sha256' = first_value(source.payload ->> '_sha256') over (
                partition by source.payload ->> '_file' order by source.extracted_at desc
            ) as is_current
        from source
    ) as versioned
    where is_current

),

renamed as (

    select
        {{ hash_email('natural_key') }} as call_id,
        case
            when trim(payload ->> 'called_at') ~ '([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$' then cast(trim(payload ->> 'called_at') as timestamptz)
            else cast(trim(payload ->> 'called_at') as timestamp) at time zone 'UTC'
        end as called_at,
        {{ hash_email("payload ->> 'email'") }} as email_hash,
        cast(trim(payload ->> 'duration_seconds') as integer) as duration_seconds,
        lower(trim(payload ->> 'outcome')) as outcome,
        payload ->> '_file' as source_file,
        cast(payload ->> '_line' as integer) as source_line,
        cast(extracted_at as timestamptz) as extracted_at
    from current_rows

),

final as (

    select
        call_id,
        called_at,
        email_hash,
        duration_seconds,
        outcome,
        source_file,
        source_line,
        extracted_at
    from renamed

)

select * from final
