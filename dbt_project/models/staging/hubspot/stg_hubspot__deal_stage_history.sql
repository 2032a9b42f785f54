with

source as (

    select * from {{ source('hubspot', 'hubspot__deal_stage_history') }}

),

entries as (

    -- One raw row per deal holds its whole dealstage history (newest first, as HubSpot sends it).
    select
        cast(source.natural_key as text) as deal_id,
        nullif(trim(entry ->> 'value'), '') as deal_stage,
        cast(entry ->> 'timestamp' as timestamptz) as changed_at,
        entry ->> 'sourceType' as change_source_type,
        entry_position,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source
    cross join lateral jsonb_array_elements(
        case
            when jsonb_typeof(source.payload -> 'propertiesWithHistory' -> 'dealstage') = 'array'
                then source.payload -> 'propertiesWithHistory' -> 'dealstage'
            else '[]'::jsonb
        end
    ) with ordinality as history (entry, entry_position)

),

one_per_instant as (

    -- Two entries at one instant: the one HubSpot lists first (the newer) holds.
    select distinct on (deal_id, changed_at) *
    from entries
    where deal_stage is not null and changed_at is not null
    order by deal_id, changed_at, entry_position

),

changes as (

    -- A value set again to what it already was is not a change.
    select
        *,
        lag(deal_stage) over (partition by deal_id order by changed_at) as previous_deal_stage
    from one_per_instant

),

final as (

    select
        deal_id,
        deal_stage,
        changed_at as valid_from,
        lead(changed_at) over (partition by deal_id order by changed_at) as valid_to,
        change_source_type,
        extracted_at
    from changes
    where previous_deal_stage is null or previous_deal_stage <> deal_stage

)

select * from final
