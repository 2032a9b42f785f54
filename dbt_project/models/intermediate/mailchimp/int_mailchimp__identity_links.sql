{{ incremental_identity_links() }}
{#-
    Mailchimp's edge of the identity graph (docs/architecture.md, Seam 2b): a member's mc_eid (the id its tracked
    links carry) belongs to the member's email address. Deterministic: Mailchimp issues one unique_email_id per
    address and audience.

    Incremental, like int_hubspot__identity_links: a run reads the members extracted since its last run and writes
    the links that are new or whose observed_at changed, stamped written_at.
-#}
with

members as (

    select * from {{ ref('stg_mailchimp__members') }}
    where {{ extracted_since_last_run() }}

),

links as (

    select distinct on (mc_eid, email_hash)
        'mc_eid' as identifier_type_a,
        mc_eid as identifier_value_a,
        'email_hash' as identifier_type_b,
        email_hash as identifier_value_b,
        'mailchimp_member_email' as link_rule,
        coalesce(opted_in_at, subscribed_at, last_changed_at) as observed_at,
        extracted_at
    from members
    where mc_eid is not null and email_hash is not null
    order by mc_eid, email_hash, coalesce(opted_in_at, subscribed_at, last_changed_at)

),

final as (

    {{ new_or_reobserved_links('links') }}

)

select * from final
