{#-
    One row per change of a HubSpot property, from raw rows that each hold one object's `propertiesWithHistory`
    (newest first, as the batch-read API sends it): object id, value, valid_from, valid_to (the next change, or
    null while current), the change's sourceType and extracted_at. Two entries at one instant: the one HubSpot
    lists first (the newer) holds; a value set again to what it already was is not a change.
-#}
{% macro hubspot_property_history(raw_stream, property, id_column, value_column) -%}
with

source as (

    select * from {{ source('hubspot', raw_stream) }}
    where {{ extracted_since_last_run('extracted_at') }}

),

entries as (

    select
        cast(source.natural_key as text) as {{ id_column }},
        nullif(trim(entry ->> 'value'), '') as {{ value_column }},
        cast(entry ->> 'timestamp' as timestamptz) as changed_at,
        entry ->> 'sourceType' as change_source_type,
        entry_position,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source
    cross join lateral jsonb_array_elements(
        case
            when jsonb_typeof(source.payload -> 'propertiesWithHistory' -> '{{ property }}') = 'array'
                then source.payload -> 'propertiesWithHistory' -> '{{ property }}'
            else '[]'::jsonb
        end
    ) with ordinality as history (entry, entry_position)

),

one_per_instant as (

    select distinct on ({{ id_column }}, changed_at) *
    from entries
    where {{ value_column }} is not null and changed_at is not null
    order by {{ id_column }}, changed_at, entry_position

),

changes as (

    select
        *,
        lag({{ value_column }}) over (partition by {{ id_column }} order by changed_at) as previous_value
    from one_per_instant

),

final as (

    select
        {{ id_column }},
        {{ value_column }},
        changed_at as valid_from,
        lead(changed_at) over (partition by {{ id_column }} order by changed_at) as valid_to,
        change_source_type,
        extracted_at
    from changes
    where previous_value is null or previous_value <> {{ value_column }}

)

select * from final
{%- endmacro %}
