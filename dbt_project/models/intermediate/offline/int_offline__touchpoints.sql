{#-
    The offline touches in the shape every source gives the core (docs/architecture.md, Seam 2b): badge scans at
    events (`event_scan`, the event as entry point), sales calls (`call`) and store visits (`store_visit`). All are
    steps of the buyer's journey on the `offline_event` channel. Scans and calls name the person by email hash,
    store visits by loyalty card number.
-#}
with

scans as (

    select * from {{ ref('stg_offline__event_scans') }}

),

calls as (

    select * from {{ ref('stg_offline__calls') }}

),

visits as (

    select * from {{ ref('stg_offline__store_visits') }}

),

touches as (

    select
        'offline:event_scan:' || scan_id as touch_id,
        'event_scan' as touch_type,
        scanned_at as occurred_at,
        'email_hash' as identifier_type,
        email_hash as identifier_value,
        event_name as landing_page,
        scan_id as source_record_id,
        extracted_at
    from scans

    union all

    select
        'offline:call:' || call_id as touch_id,
        'call' as touch_type,
        called_at as occurred_at,
        'email_hash' as identifier_type,
        email_hash as identifier_value,
        cast(null as text) as landing_page,
        call_id as source_record_id,
        extracted_at
    from calls

    union all

    select
        'offline:store_visit:' || visit_id as touch_id,
        'store_visit' as touch_type,
        visited_at as occurred_at,
        'loyalty_id' as identifier_type,
        loyalty_id as identifier_value,
        store as landing_page,
        visit_id as source_record_id,
        extracted_at
    from visits

),

final as (

    select
        touch_id,
        'offline' as source_system,
        touch_type,
        occurred_at,
        identifier_type,
        identifier_value,
        'offline_event' as channel,
        cast(null as text) as traffic_source,
        cast(null as text) as traffic_medium,
        cast(null as text) as campaign,
        cast(null as text) as referrer_domain,
        cast(null as text) as click_id_type,
        landing_page,
        cast(null as integer) as engagement_seconds,
        cast(null as boolean) as is_bounce,
        true as counts_in_path,
        false as is_conversion,
        cast(null as numeric) as revenue_amount,
        cast(null as text) as revenue_currency,
        source_record_id,
        extracted_at
    from touches

)

select * from final
