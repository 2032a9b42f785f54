{#-
    The one place where identifiers become customers. For now every HubSpot contact is its own customer; the
    identity graph of issue 5 (hashed email, web user and visitor ids, click ids, mc_eid) replaces this model's body
    with the graph's connected components, and every model that joins here picks the new keys up unchanged.
-#}
with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

hubspot_contact_identifiers as (

    select
        cast('hubspot_contact_id' as text) as identifier_type,
        contact_id as identifier_value,
        cast('hubspot_contact:' || contact_id as text) as customer_seed
    from contacts

),

final as (

    select
        identifier_type,
        identifier_value,
        md5(customer_seed) as customer_key
    from hubspot_contact_identifiers

)

select * from final
