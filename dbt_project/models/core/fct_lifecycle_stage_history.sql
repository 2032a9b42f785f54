{#-
    The CRM's lifecycle-stage changes as history: one row per contact per stage it was in, valid from the change
    until the next (valid_to null: the current stage), with the customer the contact belongs to, so that time in
    each stage and progression through stages are queryable per customer.
-#}
with

lifecycle_history as (

    select * from {{ ref('stg_hubspot__contact_lifecycle_history') }}

),

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

final as (

    select
        cast(md5(lifecycle_history.contact_id || '|' || lifecycle_history.valid_from) as text) as stage_period_id,
        cast(identities.customer_key as text) as customer_key,
        cast(lifecycle_history.contact_id as text) as hubspot_contact_id,
        cast(lifecycle_history.lifecycle_stage as text) as lifecycle_stage,
        cast(lifecycle_history.valid_from as timestamptz) as valid_from,
        cast(lifecycle_history.valid_to as timestamptz) as valid_to,
        cast(lifecycle_history.valid_to is null as boolean) as is_current,
        cast(
            extract(epoch from lifecycle_history.valid_to - lifecycle_history.valid_from) / 86400.0 as numeric
        ) as days_in_stage,
        cast(lifecycle_history.extracted_at as timestamptz) as extracted_at
    from lifecycle_history
    left join identities
        on identities.identifier_type = 'hubspot_contact_id'
        and identities.identifier_value = lifecycle_history.contact_id

)

select * from final
