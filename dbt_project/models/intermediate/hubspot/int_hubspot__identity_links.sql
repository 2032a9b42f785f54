{{ incremental_identity_links() }}
{#-
    Edges of the identity graph that HubSpot knows (docs/architecture.md, Seam 2b): a contact and its hashed email,
    its web account id and its loyalty card. Deals are not people and add no edge: their touches name the
    associated contact. HubSpot dates a property's value only in its history, which is not extracted for these
    properties, so a link is observed at the contact's creation for the email and at its last modification for
    the synced ids (the link existed by then).

    Incremental: a run reads the contacts extracted since its last run and writes the links that are new or whose
    observed_at changed, stamped written_at (int_identity_graph_edges reads those). A link a contact no longer
    shows (a changed email, an archived contact) stays until the full build, as the graph's edges do.
-#}
with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}
    where not is_archived
        and {{ extracted_since_last_run() }}

),

email_links as (

    select
        'hubspot_contact_id' as identifier_type_a,
        contact_id as identifier_value_a,
        'email_hash' as identifier_type_b,
        email_hash as identifier_value_b,
        'hubspot_contact_email' as link_rule,
        created_at as observed_at,
        extracted_at
    from contacts
    where email_hash is not null

),

app_user_links as (

    select
        'hubspot_contact_id' as identifier_type_a,
        contact_id as identifier_value_a,
        'app_user_id' as identifier_type_b,
        app_user_id as identifier_value_b,
        'hubspot_app_user_id' as link_rule,
        updated_at as observed_at,
        extracted_at
    from contacts
    where app_user_id is not null

),

loyalty_links as (

    select
        'hubspot_contact_id' as identifier_type_a,
        contact_id as identifier_value_a,
        'loyalty_id' as identifier_type_b,
        loyalty_id as identifier_value_b,
        'hubspot_loyalty_id' as link_rule,
        updated_at as observed_at,
        extracted_at
    from contacts
    where loyalty_id is not null

),

links as (

    select * from email_links
    union all
    select * from app_user_links
    union all
    select * from loyalty_links

),

final as (

    {{ new_or_reobserved_links('links') }}

)

select * from final
