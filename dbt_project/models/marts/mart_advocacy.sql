{#-
    Do buyers recommend us? Per month (report time zone) and customer segment: NPS answers and the score
    (% promoters − % detractors, on -100..100), the promoters, the referrals advocates brought and what the
    referred customers have bought since. Signals come from int_advocacy_signals (QuestionPro NPS answers,
    HubSpot referral codes). The segment is the customer's kind of buying: `b2b` (won deals), `b2c` (web-shop
    orders) or `prospect` (no purchase yet); for a referral it is the referrer's (`unknown` when the CRM knows no
    contact with the code).
-#}
with

signals as (

    select * from {{ ref('int_advocacy_signals') }}

),

conversions as (

    select * from {{ ref('fct_conversions') }}

),

customer_segments as (

    select
        customer_key,
        case
            when bool_or(conversion_type = 'crm_deal_won') then 'b2b'
            else 'b2c'
        end as segment
    from conversions
    group by customer_key

),

referred_revenue as (

    select
        signals.signal_id,
        coalesce(sum(conversions.revenue), 0) as referred_revenue,
        count(conversions.conversion_id) as referred_purchases
    from signals
    inner join conversions
        on conversions.customer_key = signals.referred_customer_key
        and conversions.converted_at >= signals.occurred_at
    where signals.signal_type = 'referral'
    group by signals.signal_id

),

classified as (

    select
        cast(date_trunc('month', signals.signal_date) as date) as report_month,
        case
            when signals.customer_key is null then 'unknown'
            else coalesce(customer_segments.segment, 'prospect')
        end as segment,
        signals.*,
        coalesce(referred_revenue.referred_revenue, 0) as referred_revenue,
        coalesce(referred_revenue.referred_purchases, 0) as referred_purchases
    from signals
    left join customer_segments
        on customer_segments.customer_key = signals.customer_key
    left join referred_revenue
        on referred_revenue.signal_id = signals.signal_id

),

monthly as (

    select
        report_month,
        segment,
        count(*) filter (where signal_type = 'nps_response') as nps_responses,
        count(*) filter (where nps_category = 'promoter') as promoter_responses,
        count(*) filter (where nps_category = 'passive') as passive_responses,
        count(*) filter (where nps_category = 'detractor') as detractor_responses,
        avg(nps_score) as average_score,
        count(distinct customer_key) filter (where nps_category = 'promoter') as promoters,
        count(*) filter (where signal_type = 'referral') as referrals,
        count(distinct customer_key) filter (where signal_type = 'referral') as referring_advocates,
        count(*) filter (where signal_type = 'referral' and referred_purchases > 0) as referrals_converted,
        sum(referred_revenue) as referred_revenue,
        count(distinct customer_key) filter (where signal_type = 'crm_evangelist') as new_crm_evangelists
    from classified
    group by
        report_month,
        segment

),

final as (

    select
        cast(report_month as date) as report_month,
        cast(segment as text) as segment,
        cast(nps_responses as bigint) as nps_responses,
        cast(promoter_responses as bigint) as promoter_responses,
        cast(passive_responses as bigint) as passive_responses,
        cast(detractor_responses as bigint) as detractor_responses,
        cast(
            case
                when nps_responses > 0
                    then 100.0 * (promoter_responses - detractor_responses) / cast(nps_responses as numeric)
            end as double precision
        ) as nps,
        cast(average_score as double precision) as average_score,
        cast(promoters as bigint) as promoters,
        cast(referrals as bigint) as referrals,
        cast(referring_advocates as bigint) as referring_advocates,
        cast(referrals_converted as bigint) as referrals_converted,
        cast(referred_revenue as numeric) as referred_revenue,
        cast(new_crm_evangelists as bigint) as new_crm_evangelists
    from monthly

)

select * from final
