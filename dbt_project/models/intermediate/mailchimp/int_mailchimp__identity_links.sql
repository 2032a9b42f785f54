{#-
    Mailchimp's edge of the identity graph (docs/architecture.md, Seam 2b): a member's mc_eid (the id its tracked
    links carry) belongs to the member's email address. Deterministic: Mailchimp issues one unique_email_id per
    address and audience.
-#}
with

members as (

    select * from {{ ref('stg_mailchimp__members') }}

),

final as (

    select distinct on (mc_eid, email_hash)
        cast('mc_eid' as text) as identifier_type_a,
        cast(mc_eid as text) as identifier_value_a,
        cast('email_hash' as text) as identifier_type_b,
        cast(email_hash as text) as identifier_value_b,
        cast('mailchimp_member_email' as text) as link_rule,
        cast(coalesce(opted_in_at, subscribed_at, last_changed_at) as timestamptz) as observed_at
    from members
    where mc_eid is not null and email_hash is not null
    order by mc_eid, email_hash, coalesce(opted_in_at, subscribed_at, last_changed_at)

)

select * from final
