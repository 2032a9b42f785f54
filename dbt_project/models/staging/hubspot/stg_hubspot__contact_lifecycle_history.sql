with

source as (

    select * from {{ source('hubspot', 'hubspot__contact_stage_history') }}

),

entries as (

    -- One raw row per contact holds its whole lifecyclestage history (newest first, as HubSpot sends it).
    select
        cast(source.natural_key as text) as contact_id,
        nullif(trim(entry ->> 'value'), '') as lifecycle_stage,
        cast(entry ->> 'timestamp' as timestamptz) as changed_at,
        entry ->> 'sourceType' as change_source_type,
        entry_position,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source
    cross join lateral jsonb_array_elements(
        case
            when jsonb_typeof(source.payload -> 'propertiesWithHistory' -> 'lifecyclestage') = 'array'
                then source.payload -> 'propertiesWithHistory' -> 'lifecyclestage'
            else '[]'::jsonb
        end
    ) with ordinality as history (entry, entry_position)

),

one_per_instant as (

    -- Two entries at one instant: the one HubSpot lists first (the newer) holds.
    select distinct on (contact_id, changed_at) *
    from entries
    where lifecycle_stage is not null and changed_at is not null
    order by contact_id, changed_at, entry_position

),

changes as (

    -- A value set again to what it already was is not a change.
    select
        *,
        lag(lifecycle_stage) over (partition by contact_id order by changed_at) as previous_stage
    from one_per_instant

),

final as (

    select
        contact_id,
        lifecycle_stage,
        changed_at as valid_from,
        lead(changed_at) over (partition by contact_id order by changed_at) as valid_to,
        change_source_type,
        extracted_at
    from changes
    where previous_stage is null or previous_stage <> lifecycle_stage

)

select * from final
