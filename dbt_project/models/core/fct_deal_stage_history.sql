{#-
    The CRM's deal-stage changes as history: one row per deal per stage it was in, valid from the change until the
    next (valid_to null: the current stage). The deal belongs to the customer of its earliest-created associated
    contact (the deal's buyer, as int_hubspot__touchpoints counts it).
-#}
with

deal_stage_history as (

    select * from {{ ref('stg_hubspot__deal_stage_history') }}

),

deal_contacts as (

    select * from {{ ref('stg_hubspot__deal_contacts') }}

),

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

deal_buyers as (

    select distinct on (deal_contacts.deal_id)
        deal_contacts.deal_id,
        deal_contacts.contact_id
    from deal_contacts
    inner join contacts
        on contacts.contact_id = deal_contacts.contact_id
    order by deal_contacts.deal_id, contacts.created_at, deal_contacts.contact_id

),

final as (

    select
        cast(md5(deal_stage_history.deal_id || '|' || deal_stage_history.valid_from) as text) as stage_period_id,
        cast(identities.customer_key as text) as customer_key,
        cast(deal_stage_history.deal_id as text) as hubspot_deal_id,
        cast(deal_buyers.contact_id as text) as hubspot_contact_id,
        cast(deal_stage_history.deal_stage as text) as deal_stage,
        cast(deal_stage_history.valid_from as timestamptz) as valid_from,
        cast(deal_stage_history.valid_to as timestamptz) as valid_to,
        cast(deal_stage_history.valid_to is null as boolean) as is_current,
        cast(
            extract(epoch from deal_stage_history.valid_to - deal_stage_history.valid_from) / 86400.0 as numeric
        ) as days_in_stage
    from deal_stage_history
    left join deal_buyers
        on deal_buyers.deal_id = deal_stage_history.deal_id
    left join identities
        on identities.identifier_type = 'hubspot_contact_id'
        and identities.identifier_value = deal_buyers.contact_id

)

select * from final
