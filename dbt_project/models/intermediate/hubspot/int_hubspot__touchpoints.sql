{#-
    HubSpot's touches in the shape every source gives the core (docs/architecture.md, Seam 2b): a contact's
    creation, a referred contact's arrival, a deal opened and a deal won. A deal is not a person: its touches name
    the contact associated with it (the lowest contact id when there are several; a deal with no contact has no
    touch, since nobody can be credited with it).
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

deal_primary_contact as (

    select
        deal_id,
        min(contact_id::bigint)::text as contact_id
    from deal_contacts
    group by deal_id

),

contact_channel as (

    -- HubSpot's original source names the channel where it can; OTHER_CAMPAIGNS (display, affiliates, ...) and
    -- anything unknown is left to the channel rules.
    select
        contact_id,
        case analytics_source
            when 'PAID_SEARCH' then 'paid_search'
            when 'PAID_SOCIAL' then 'paid_social'
            when 'EMAIL_MARKETING' then 'email'
            when 'ORGANIC_SEARCH' then 'organic_search'
            when 'SOCIAL_MEDIA' then 'organic_social'
            when 'REFERRALS' then 'referral'
            when 'DIRECT_TRAFFIC' then 'direct'
            when 'OFFLINE' then 'offline_event'
        end as channel
    from contacts

),

contact_created as (

    select
        'hubspot:crm_contact_created:' || contacts.contact_id as touch_id,
        'crm_contact_created' as touch_type,
        contacts.created_at as occurred_at,
        contacts.contact_id,
        contact_channel.channel,
        false as is_conversion,
        cast(null as numeric) as revenue_amount,
        cast(null as text) as revenue_currency,
        contacts.contact_id as source_record_id,
        contacts.extracted_at
    from contacts
    inner join contact_channel using (contact_id)
    where not contacts.is_archived

),

referred as (

    select
        'hubspot:referral:' || contacts.contact_id as touch_id,
        'referral' as touch_type,
        contacts.created_at as occurred_at,
        contacts.contact_id,
        'referral' as channel,
        false as is_conversion,
        cast(null as numeric) as revenue_amount,
        cast(null as text) as revenue_currency,
        contacts.contact_id as source_record_id,
        contacts.extracted_at
    from contacts
    where contacts.referred_by_code is not null and not contacts.is_archived

),

deal_created as (

    select
        'hubspot:crm_deal_created:' || deals.deal_id as touch_id,
        'crm_deal_created' as touch_type,
        deals.created_at as occurred_at,
        deal_primary_contact.contact_id,
        cast(null as text) as channel,
        false as is_conversion,
        cast(null as numeric) as revenue_amount,
        cast(null as text) as revenue_currency,
        deals.deal_id as source_record_id,
        deals.extracted_at
    from deals
    inner join deal_primary_contact using (deal_id)
    where not deals.is_archived

),

deal_won as (

    select
        'hubspot:crm_deal_won:' || deals.deal_id as touch_id,
        'crm_deal_won' as touch_type,
        deals.closed_at as occurred_at,
        deal_primary_contact.contact_id,
        cast(null as text) as channel,
        true as is_conversion,
        deals.amount as revenue_amount,
        deals.currency as revenue_currency,
        deals.deal_id as source_record_id,
        deals.extracted_at
    from deals
    inner join deal_primary_contact using (deal_id)
    where deals.is_closed_won and deals.closed_at is not null and not deals.is_archived

),

touches as (

    select * from contact_created
    union all
    select * from referred
    union all
    select * from deal_created
    union all
    select * from deal_won

),

final as (

    select
        touch_id,
        'hubspot' as source_system,
        touch_type,
        occurred_at,
        'hubspot_contact_id' as identifier_type,
        contact_id as identifier_value,
        channel,
        cast(null as text) as traffic_source,
        cast(null as text) as traffic_medium,
        cast(null as text) as campaign,
        cast(null as text) as referrer_domain,
        cast(null as text) as click_id_type,
        cast(null as text) as landing_page,
        cast(null as integer) as engagement_seconds,
        cast(null as boolean) as is_bounce,
        false as counts_in_path,
        is_conversion,
        revenue_amount,
        revenue_currency,
        source_record_id,
        extracted_at
    from touches

)

select * from final
