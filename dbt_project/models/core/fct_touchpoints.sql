{{
    config(
        materialized='incremental',
        unique_key='touch_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['touch_id'], 'unique': true},
            {'columns': ['customer_key', 'occurred_at']},
            {'columns': ['touch_date', 'channel', 'customer_key', 'is_conversion', 'revenue']},
            {'columns': ['stitched_at']},
            {'columns': ['identifier_type', 'identifier_value']},
            web_visits_by_source_index(),
        ],
        post_hook=["{{ restitch_customer_keys(this) }}"] + written_rows_analyzed(),
    )
}}
{#-
    Every interaction of a customer with the brand, from every registered source (int_touchpoints_unioned).

    Incremental: a run re-builds only the touches int_touchpoints_unioned wrote since the fact's last run (their
    written_at after its newest stitched_at, macro written_since_last_run), and replaces by touch_id those that
    changed (or are new), so re-runs and overlapping loads never duplicate a touch and unchanged touches are not
    rewritten. Identity stitching is retroactive: after each incremental run the post-hook moves earlier touches
    whose identifier now belongs to a merged customer to that customer's key. After changing columns, rebuild
    with --full-refresh. The last post-hook analyzes the table (written_rows_analyzed): the models built per
    customer read the run's touches by stitched_at, and without fresh statistics PostgreSQL sees no row newer than
    its last analyze, plans for one, and nests loops over thousands. The index on (touch_date, channel,
    customer_key, is_conversion, revenue) is mart_channel_performance's grouping order with what it sums: the mart
    reads it by an index-only scan instead of sorting every touch for its distinct customers per day and channel;
    macro web_visits_by_source_index does the same for mart_sources_referrers.

    Channel: the source's own channel when it states one, else the first matching rule of the seed
    channel_rules (by rule_order; patterns are case-insensitive regular expressions). Rules are evaluated once per
    distinct traffic combination, not per touch. Journey stage: the first matching rule of journey_stage_rules.
-#}
with

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

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

new_touchpoints as (

    select
        *,
        concat_ws(
            chr(31),
            source_system,
            touch_type = 'web_visit',
            coalesce(traffic_source, chr(30)),
            coalesce(traffic_medium, chr(30)),
            coalesce(campaign, chr(30)),
            coalesce(referrer_domain, chr(30)),
            coalesce(click_id_type, chr(30))
        ) as traffic_key,
        concat_ws(chr(31), source_system, touch_type, coalesce(landing_page, chr(30))) as stage_key
    from touchpoints
    where {{ written_since_last_run('written_at', stamp='stitched_at') }}

),

-- The parts of a touch's source it lacks, filled as GA4 fills them (macros/ga4_traffic_defaults.sql). Only a web
-- visit can be direct: another touch without any traffic information (a CRM record, a survey) matches no rule.
traffic_combinations as (

    select distinct
        traffic_key,
        source_system,
        {{ ga4_traffic_source(direct="case when touch_type = 'web_visit' then '(direct)' else '' end") }}
            as rule_source,
        {{ ga4_traffic_medium() }} as rule_medium,
        coalesce(campaign, '') as rule_campaign,
        coalesce(referrer_domain, '') as rule_referrer_domain,
        click_id_type
    from new_touchpoints
    where channel is null

),

traffic_channels as (

    select distinct on (traffic_combinations.traffic_key)
        traffic_combinations.traffic_key,
        channel_rules.channel
    from traffic_combinations
    inner join channel_rules
        on (channel_rules.source_system is null or channel_rules.source_system = traffic_combinations.source_system)
        and (
            channel_rules.traffic_source_pattern is null
            or traffic_combinations.rule_source ~* channel_rules.traffic_source_pattern
        )
        and (
            channel_rules.traffic_medium_pattern is null
            or traffic_combinations.rule_medium ~* channel_rules.traffic_medium_pattern
        )
        and (
            channel_rules.campaign_pattern is null
            or traffic_combinations.rule_campaign ~* channel_rules.campaign_pattern
        )
        and (
            channel_rules.referrer_domain_pattern is null
            or traffic_combinations.rule_referrer_domain ~* channel_rules.referrer_domain_pattern
        )
        and (
            channel_rules.click_id_type is null
            or traffic_combinations.click_id_type = channel_rules.click_id_type
        )
    order by
        traffic_combinations.traffic_key,
        channel_rules.rule_order

),

stage_combinations as (

    select distinct
        stage_key,
        source_system,
        touch_type,
        coalesce(landing_page, '') as rule_landing_page
    from new_touchpoints

),

touch_stages as (

    select distinct on (stage_combinations.stage_key)
        stage_combinations.stage_key,
        journey_stage_rules.journey_stage
    from stage_combinations
    inner join journey_stage_rules
        on journey_stage_rules.touch_type = stage_combinations.touch_type
        and (
            journey_stage_rules.source_system is null
            or journey_stage_rules.source_system = stage_combinations.source_system
        )
        and (
            journey_stage_rules.landing_page_pattern is null
            or stage_combinations.rule_landing_page ~* journey_stage_rules.landing_page_pattern
        )
    order by
        stage_combinations.stage_key,
        journey_stage_rules.rule_order

),

enriched as (

    select
        new_touchpoints.touch_id,
        identities.customer_key,
        new_touchpoints.occurred_at,
        {{ local_date('new_touchpoints.occurred_at', var('report_timezone')) }} as touch_date,
        new_touchpoints.source_system,
        new_touchpoints.touch_type,
        coalesce(new_touchpoints.channel, traffic_channels.channel, 'other') as channel,
        -- A purchase is always the purchase stage, whatever the rules say.
        case
            when new_touchpoints.is_conversion then 'purchase'
            else coalesce(touch_stages.journey_stage, 'awareness')
        end as journey_stage,
        new_touchpoints.revenue_amount,
        new_touchpoints.revenue_currency,
        new_touchpoints.source_record_id,
        new_touchpoints.identifier_type,
        new_touchpoints.identifier_value,
        new_touchpoints.traffic_source,
        new_touchpoints.traffic_medium,
        new_touchpoints.campaign,
        new_touchpoints.referrer_domain,
        new_touchpoints.click_id_type,
        new_touchpoints.landing_page,
        new_touchpoints.engagement_seconds,
        new_touchpoints.is_bounce,
        new_touchpoints.counts_in_path,
        new_touchpoints.is_conversion,
        new_touchpoints.extracted_at
    from new_touchpoints
    left join identities
        on identities.identifier_type = new_touchpoints.identifier_type
        and identities.identifier_value = new_touchpoints.identifier_value
    left join traffic_channels
        on traffic_channels.traffic_key = new_touchpoints.traffic_key
    left join touch_stages
        on touch_stages.stage_key = new_touchpoints.stage_key

),

built as (

    select
        cast(enriched.touch_id as text) as touch_id,
        cast(enriched.customer_key as text) as customer_key,
        cast(enriched.occurred_at as timestamptz) as occurred_at,
        cast(enriched.touch_date as date) as touch_date,
        cast(enriched.source_system as text) as source_system,
        cast(enriched.touch_type as text) as touch_type,
        cast(enriched.channel as text) as channel,
        cast(enriched.journey_stage as text) as journey_stage,
        cast(
            case
                when enriched.revenue_amount is not null
                    then {{ to_reporting_currency(
                        'enriched.revenue_amount', 'enriched.revenue_currency', 'enriched.touch_date'
                    ) }}
            end as numeric
        ) as revenue,
        cast(enriched.source_record_id as text) as source_record_id,
        cast(enriched.identifier_type as text) as identifier_type,
        cast(enriched.identifier_value as text) as identifier_value,
        cast(enriched.traffic_source as text) as traffic_source,
        cast(enriched.traffic_medium as text) as traffic_medium,
        cast(enriched.campaign as text) as campaign,
        cast(enriched.referrer_domain as text) as referrer_domain,
        cast(enriched.click_id_type as text) as click_id_type,
        cast(enriched.landing_page as text) as landing_page,
        cast(enriched.engagement_seconds as integer) as engagement_seconds,
        cast(enriched.is_bounce as boolean) as is_bounce,
        cast(enriched.counts_in_path as boolean) as counts_in_path,
        cast(enriched.is_conversion as boolean) as is_conversion,
        cast(enriched.revenue_amount as numeric) as revenue_amount,
        cast(enriched.revenue_currency as text) as revenue_currency,
        cast(enriched.extracted_at as timestamptz) as extracted_at
    from enriched

),

{#- What a touch is, for the models built per customer: every column but extracted_at and the bookkeeping. -#}
{%- set content_columns = [
    'customer_key', 'occurred_at', 'touch_date', 'source_system', 'touch_type', 'channel', 'journey_stage',
    'revenue', 'source_record_id', 'identifier_type', 'identifier_value', 'traffic_source', 'traffic_medium',
    'campaign', 'referrer_domain', 'click_id_type', 'landing_page', 'engagement_seconds', 'is_bounce',
    'counts_in_path', 'is_conversion', 'revenue_amount', 'revenue_currency',
] %}

final as (

    select
        built.*,
        -- Bookkeeping for the models built per customer (macro customers_with_changed_touches): when this row
        -- got its customer_key or last changed, and the key it had before (moved by the post-hook or re-built
        -- under another).
        {{ run_stamp() }} as stitched_at,
        {%- if is_incremental() %}
        -- a touch re-built under another customer than the stored row's: the customer it leaves
        cast(case
            when stored.customer_key is distinct from built.customer_key then stored.customer_key
            else stored.previous_customer_key
        end as text) as previous_customer_key
    from built
    left join {{ this }} as stored
        on stored.touch_id = built.touch_id
    -- A touch re-built exactly as stored (a record re-extracted unchanged, inside the lookback or a re-pull) is
    -- left as it is, stitched_at and extracted_at included: nothing changed for its customer, and nothing is
    -- rewritten.
    where stored.touch_id is null
        or ({% for column in content_columns %}built.{{ column }}{{ ', ' if not loop.last }}{% endfor %})
        is distinct from
        ({% for column in content_columns %}stored.{{ column }}{{ ', ' if not loop.last }}{% endfor %})
        {%- else %}
        cast(null as text) as previous_customer_key
    from built
        {%- endif %}

)

select * from final
