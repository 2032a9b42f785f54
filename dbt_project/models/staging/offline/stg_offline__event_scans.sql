{#-
    Badge scans from the event scanners' CSV exports. Only the rows of each file's newest version count: a
    corrected export replaces the whole file, including rows it dropped (see `_offline__sources.yml`). Exports
    spell event names in varying case; the spelling most rows use is the event's name.
    Times without an offset are UTC, as the exports state.
-#}
with

source as (

    select * from {{ source('offline', 'offline__event_scans') }}

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

event_names as (

    select
        lower(trim(payload ->> 'event_name')) as event_key,
        mode() within group (order by trim(payload ->> 'event_name')) as event_name
    from current_rows
    group by 1

),

renamed as (

    select
        {{ hash_email('current_rows.natural_key') }} as scan_id,
        event_names.event_name,
        case
            when trim(current_rows.payload ->> 'scanned_at') ~ '([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$' then cast(trim(current_rows.payload ->> 'scanned_at') as timestamptz)
            else cast(trim(current_rows.payload ->> 'scanned_at') as timestamp) at time zone 'UTC'
        end as scanned_at,
        {{ hash_email("current_rows.payload ->> 'email'") }} as email_hash,
        nullif(trim(current_rows.payload ->> 'company'), '') as company,
        current_rows.payload ->> '_file' as source_file,
        cast(current_rows.payload ->> '_line' as integer) as source_line,
        cast(current_rows.extracted_at as timestamptz) as extracted_at
    from current_rows
    inner join event_names on event_names.event_key = lower(trim(current_rows.payload ->> 'event_name'))

),

final as (

    select
        scan_id,
        event_name,
        scanned_at,
        email_hash,
        company,
        source_file,
        source_line,
        extracted_at
    from renamed

)

select * from final
