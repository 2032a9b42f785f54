{{ config(schema='intermediate') }}
{#-
    The evidence of advocacy, one row per signal, for mart_advocacy and the funnel's advocacy stage: every NPS
    answer (QuestionPro; a score of 9-10 is a promoter), every referral a new contact arrived with (HubSpot: the
    referrer is the contact whose referral code it is), and every move of a CRM contact into the lifecycle stage
    `evangelist`. The NPS score is read from stg_questionpro__responses because the touchpoint contract carries no
    survey answers; the respondent's customer comes from the survey_response touch, so it follows current
    stitching.
-#}
with

touchpoints as (

    select * from {{ ref('fct_touchpoints') }}

),

responses as (

    select * from {{ ref('stg_questionpro__responses') }}

),

referrals as (

    select * from {{ ref('int_hubspot__referrals') }}

),

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

lifecycle_history as (

    select * from {{ ref('fct_lifecycle_stage_history') }}

),

nps_answers as (

    select
        touchpoints.touch_id as signal_id,
        'nps_response' as signal_type,
        touchpoints.customer_key,
        touchpoints.occurred_at,
        responses.survey_name,
        responses.nps_score,
        responses.nps_category,
        cast(null as text) as referral_code,
        cast(null as text) as referred_customer_key
    from touchpoints
    inner join responses
        on responses.response_id = touchpoints.source_record_id
    where touchpoints.touch_type = 'survey_response'
        and touchpoints.source_system = 'questionpro'
        and responses.nps_score is not null
        and not responses.is_duplicate

),

referrals_made as (

    select
        'hubspot:referral:' || referrals.referred_contact_id as signal_id,
        'referral' as signal_type,
        referrers.customer_key,
        referrals.referred_at as occurred_at,
        cast(null as text) as survey_name,
        cast(null as integer) as nps_score,
        cast(null as text) as nps_category,
        referrals.referral_code,
        referred.customer_key as referred_customer_key
    from referrals
    left join identities as referrers
        on referrers.identifier_type = 'hubspot_contact_id'
        and referrers.identifier_value = referrals.referrer_contact_id
    left join identities as referred
        on referred.identifier_type = 'hubspot_contact_id'
        and referred.identifier_value = referrals.referred_contact_id

),

evangelists as (

    select
        'hubspot:evangelist:' || stage_period_id as signal_id,
        'crm_evangelist' as signal_type,
        customer_key,
        valid_from as occurred_at,
        cast(null as text) as survey_name,
        cast(null as integer) as nps_score,
        cast(null as text) as nps_category,
        cast(null as text) as referral_code,
        cast(null as text) as referred_customer_key
    from lifecycle_history
    where lifecycle_stage = 'evangelist'

),

signals as (

    select * from nps_answers
    union all
    select * from referrals_made
    union all
    select * from evangelists

),

final as (

    select
        cast(signal_id as text) as signal_id,
        cast(signal_type as text) as signal_type,
        cast(customer_key as text) as customer_key,
        cast(occurred_at as timestamptz) as occurred_at,
        {{ local_date('occurred_at', var('report_timezone')) }} as signal_date,
        cast(survey_name as text) as survey_name,
        cast(nps_score as integer) as nps_score,
        cast(nps_category as text) as nps_category,
        cast(referral_code as text) as referral_code,
        cast(referred_customer_key as text) as referred_customer_key,
        cast(
            signal_type in ('referral', 'crm_evangelist') or nps_category = 'promoter' as boolean
        ) as is_advocacy
    from signals

)

select * from final
