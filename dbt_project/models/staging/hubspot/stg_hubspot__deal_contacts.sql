{{ incremental_by_record('deal_id') }}
with

source as (

    select * from {{ source('hubspot', 'hubspot__deal_contacts') }}
    where {{ extracted_since_last_run('extracted_at') }}

),

unnested as (

    -- One raw row holds a deal's whole association list; a deal without contacts has an empty (or no) "to".
    select
        cast(source.natural_key as text) as deal_id,
        cast(association ->> 'toObjectId' as text) as contact_id,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(source.payload -> 'to') = 'array' then source.payload -> 'to' else '[]'::jsonb end
    ) as association

),

final as (

    select
        deal_id,
        contact_id,
        extracted_at
    from unnested

)

select * from final
