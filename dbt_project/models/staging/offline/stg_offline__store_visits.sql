{#-
    Store visits from the loyalty system's CSV exports: a loyalty card number, no email. Loyalty ids are trimmed
    and upper-cased (cashiers type them in either case). Only the rows of each file's newest version count: a
    corrected export replaces the whole file, including rows it dropped (see `_offline__sources.yml`).
    Times without an offset are UTC, as the exports state.
-#}
with

source as (

    select * from {{ source('offline', 'offline__store_visits') }}

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
        cast(natural_key as text) as visit_id,
        case
            when trim(payload ->> 'visited_at') ~ '([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$' then cast(trim(payload ->> 'visited_at') as timestamptz)
            else cast(trim(payload ->> 'visited_at') as timestamp) at time zone 'UTC'
        end as visited_at,
        upper(trim(payload ->> 'loyalty_id')) as loyalty_id,
        trim(payload ->> 'store') as store,
        payload ->> '_file' as source_file,
        cast(payload ->> '_line' as integer) as source_line,
        cast(extracted_at as timestamptz) as extracted_at
    from current_rows

),

final as (

    select
        visit_id,
        visited_at,
        loyalty_id,
        store,
        source_file,
        source_line,
        extracted_at
    from renamed

)

select * from final
