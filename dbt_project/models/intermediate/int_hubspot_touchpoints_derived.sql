{#-
    Touches from the CRM, one row per touch, in fct_touchpoints' layout:
    - crm_contact_created: a contact appears, at its create date;
    - crm_deal_created: a deal is opened, at its create date;
    - crm_deal_won: a deal is closed-won, at its close date, with its amount as revenue.
    A deal's touches belong to one buyer, its earliest-created associated contact (ties: lowest contact id), so a
    deal is counted once however many contacts it has; a deal without a known contact yields no touch until one
    arrives. Every touch takes the channel of its contact's original source. Archived records yield no touch.
-#}
with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

deal_contacts as (

    select * from {{ ref('stg_hubspot__deal_contacts') }}

),

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

channel_rules as (

    select * from {{ ref('channel_rules') }}

),

journey_stage_rules as (

    select * from {{ ref('journey_stage_rules') }}

),

live_contacts as (

    select
        contacts.contact_id,
        contacts.created_at,
        contacts.extracted_at,
        coalesce(channel_rules.channel, 'other') as channel
    from contacts
    left join channel_rules
        on channel_rules.source_system = 'hubspot'
        and upper(channel_rules.source_value) = upper(contacts.analytics_source)
    where not contacts.is_archived

),

deal_buyers_ranked as (

    select
        deal_contacts.deal_id,
        live_contacts.contact_id,
        live_contacts.channel,
        greatest(deal_contacts.extracted_at, live_contacts.extracted_at) as extracted_at,
        row_number() over (
            partition by deal_contacts.deal_id
            order by live_contacts.created_at, live_contacts.contact_id
        ) as buyer_rank
    from deal_contacts
    inner join live_contacts
        on live_contacts.contact_id = deal_contacts.contact_id

),

deal_buyers as (

    select
        deal_id,
        contact_id,
        channel,
        extracted_at
    from deal_buyers_ranked
    where buyer_rank = 1

),

live_deals as (

    select
        deals.deal_id,
        deals.amount,
        deals.currency,
        deals.is_closed_won,
        deals.closed_at,
        deals.created_at,
        deals.updated_at,
        deal_buyers.contact_id,
        deal_buyers.channel,
        greatest(deals.extracted_at, deal_buyers.extracted_at) as extracted_at
    from deals
    inner join deal_buyers
        on deal_buyers.deal_id = deals.deal_id
    where not deals.is_archived

),

contact_created_touches as (

    select
        cast('crm_contact_created' as text) as touch_type,
        contact_id as source_record_id,
        contact_id,
        created_at as occurred_at,
        channel,
        cast(null as numeric) as revenue,
        cast(null as text) as revenue_currency,
        extracted_at
    from live_contacts

),

deal_created_touches as (

    select
        cast('crm_deal_created' as text) as touch_type,
        deal_id as source_record_id,
        contact_id,
        created_at as occurred_at,
        channel,
        cast(null as numeric) as revenue,
        cast(null as text) as revenue_currency,
        extracted_at
    from live_deals

),

deal_won_touches as (

    select
        cast('crm_deal_won' as text) as touch_type,
        deal_id as source_record_id,
        contact_id,
        -- HubSpot sets closedate when a deal moves to closed-won; the last change is the fallback.
        coalesce(closed_at, updated_at) as occurred_at,
        channel,
        amount as revenue,
        case when amount is not null then currency end as revenue_currency,
        extracted_at
    from live_deals
    where is_closed_won

),

touches as (

    select * from contact_created_touches
    union all
    select * from deal_created_touches
    union all
    select * from deal_won_touches

),

final as (

    select
        cast('hubspot:' || touches.source_record_id || ':' || touches.touch_type as text) as touch_id,
        identities.customer_key,
        touches.occurred_at,
        {{ local_date('touches.occurred_at', var('report_timezone')) }} as touch_date,
        cast('hubspot' as text) as source_system,
        touches.touch_type,
        touches.channel,
        journey_stage_rules.journey_stage,
        touches.revenue,
        touches.revenue_currency,
        touches.source_record_id,
        touches.extracted_at
    from touches
    left join identities
        on identities.identifier_type = 'hubspot_contact_id'
        and identities.identifier_value = touches.contact_id
    left join journey_stage_rules
        on journey_stage_rules.source_system = 'hubspot'
        and journey_stage_rules.touch_type = touches.touch_type

)

select * from final
