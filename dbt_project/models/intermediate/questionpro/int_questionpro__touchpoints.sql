{#-
    QuestionPro's touches in the shape every source gives the core (docs/architecture.md, Seam 2b): each survey
    response is a `survey_response` touch of the respondent, named by their email hash. A response is feedback
    about the journey, not a step of it, so it does not count in paths; anonymous responses name nobody and are
    left out.
-#}
with

responses as (

    select * from {{ ref('stg_questionpro__responses') }}

),

final as (

    select
        'questionpro:survey_response:' || response_id as touch_id,
        'questionpro' as source_system,
        'survey_response' as touch_type,
        submitted_at as occurred_at,
        'email_hash' as identifier_type,
        email_hash as identifier_value,
        cast(null as text) as channel,
        cast(null as text) as traffic_source,
        cast(null as text) as traffic_medium,
        cast(null as text) as campaign,
        cast(null as text) as referrer_domain,
        cast(null as text) as click_id_type,
        cast(null as text) as landing_page,
        cast(null as integer) as engagement_seconds,
        cast(null as boolean) as is_bounce,
        false as counts_in_path,
        false as is_conversion,
        cast(null as numeric) as revenue_amount,
        cast(null as text) as revenue_currency,
        response_id as source_record_id,
        extracted_at
    from responses
    where email_hash is not null

)

select * from final
