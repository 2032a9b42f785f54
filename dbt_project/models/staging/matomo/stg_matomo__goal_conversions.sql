{{ incremental_by_record('visit_id', stamped=true) }}
{#- Matomo goal conversions: the `goal` actions of the visits (one row per goal reached in a visit). -#}
-- depends_on: {{ ref('stg_matomo__visits') }}
with

visits as (

    {{ matomo_visits_staged_since_last_run() }}

),

goals as (

    select
        cast(visits.natural_key as text) as visit_id,
        cast(action ->> 'goalId' as integer) as goal_id,
        action ->> 'goalName' as goal_name,
        to_timestamp(cast(action ->> 'timestamp' as bigint)) as converted_at,
        nullif(visits.payload ->> 'visitorId', '') as visitor_id,
        nullif(visits.payload ->> 'userId', '') as user_id,
        action ->> 'url' as url,
        cast(action ->> 'revenue' as numeric) as revenue,
        cast(visits.extracted_at as timestamptz) as extracted_at,
        {{ run_stamp() }} as written_at
    from visits
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(visits.payload -> 'actionDetails') = 'array'
            then visits.payload -> 'actionDetails' else '[]'::jsonb end
    ) as actions (action)
    where action ->> 'type' = 'goal'

),

final as (

    select distinct on (visit_id, goal_id, converted_at)
        visit_id || ':' || goal_id || ':' || cast(extract(epoch from converted_at) as bigint) as goal_conversion_id,
        *
    from goals
    order by visit_id, goal_id, converted_at

)

select * from final
