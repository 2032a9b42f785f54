{#-
    Matomo's edges of the identity graph (docs/architecture.md, Seam 2b), all deterministic: a visit's visitor id
    belongs to the account it was logged in as (`userId`, rule `matomo_login`) and to the click ids its landing URL
    and custom dimension 1 carried (gclid, fbclid, Mailchimp's mc_eid: each names one click, or one member).
    One edge per pair, first seen at the earliest visit that showed it.
-#}
with

visits as (

    select * from {{ ref('stg_matomo__visits') }}

),

edges as (

    select visitor_id, 'app_user_id' as identifier_type, user_id as identifier_value, 'matomo_login' as link_rule,
        first_action_at
    from visits where user_id is not null
    union all
    select visitor_id, 'gclid', gclid, 'matomo_landing_gclid', first_action_at
    from visits where gclid is not null
    union all
    select visitor_id, 'fbclid', fbclid, 'matomo_landing_fbclid', first_action_at
    from visits where fbclid is not null
    union all
    select visitor_id, 'mc_eid', mc_eid, 'matomo_landing_mc_eid', first_action_at
    from visits where mc_eid is not null

),

final as (

    select
        cast('matomo_visitor_id' as text) as identifier_type_a,
        cast(visitor_id as text) as identifier_value_a,
        cast(identifier_type as text) as identifier_type_b,
        cast(identifier_value as text) as identifier_value_b,
        cast(link_rule as text) as link_rule,
        cast(min(first_action_at) as timestamptz) as observed_at
    from edges
    where visitor_id is not null
    group by visitor_id, identifier_type, identifier_value, link_rule

)

select * from final
