{{ incremental_identity_links(read_by_extract_time=false) }}
{#-
    Matomo's edges of the identity graph (docs/architecture.md, Seam 2b), all deterministic: a visit's visitor id
    belongs to the account it was logged in as (`userId`, rule `matomo_login`) and to the click ids its landing URL
    and custom dimension 1 carried (gclid, fbclid, Mailchimp's mc_eid: each names one click, or one member).
    One edge per pair, first seen at the earliest visit that showed it.

    Incremental: a run reads the visits staging wrote since its last run and writes the pairs they show that are
    new or seen earlier than stored, stamped written_at (int_identity_graph_edges reads those). A pair whose
    earliest visit is re-extracted later in time keeps the earlier time until the full build.
-#}
with

visits as (

    select * from {{ ref('stg_matomo__visits') }}
    where {{ written_since_last_run() }}

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

observed as (

    select
        visitor_id,
        identifier_type,
        identifier_value,
        link_rule,
        min(first_action_at) as observed_at
    from edges
    where visitor_id is not null
    group by visitor_id, identifier_type, identifier_value, link_rule

),

final as (

    select
        cast('matomo_visitor_id' as text) as identifier_type_a,
        cast(observed.visitor_id as text) as identifier_value_a,
        cast(observed.identifier_type as text) as identifier_type_b,
        cast(observed.identifier_value as text) as identifier_value_b,
        cast(observed.link_rule as text) as link_rule,
        cast(observed.observed_at as timestamptz) as observed_at,
        {{ run_stamp() }} as written_at
    from observed
    {%- if is_incremental() %}
    left join {{ this }} as stored
        on stored.identifier_value_a = observed.visitor_id
        and stored.identifier_type_b = observed.identifier_type
        and stored.identifier_value_b = observed.identifier_value
    where stored.observed_at is null or observed.observed_at < stored.observed_at
    {%- endif %}

)

select * from final
