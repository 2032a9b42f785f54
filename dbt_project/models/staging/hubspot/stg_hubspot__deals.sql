{{ incremental_by_record('deal_id', unique=true) }}
with

source as (

    select * from {{ source('hubspot', 'hubspot__deals') }}
    where {{ extracted_since_last_run('extracted_at') }}

),

renamed as (

    select
        cast(source.natural_key as text) as deal_id,
        {{ hubspot_property('dealname', payload='source.payload') }} as deal_name,
        {{ hubspot_property('amount', 'numeric', payload='source.payload') }} as amount,
        -- A portal without multi-currency leaves deal_currency_code empty: the amount is in the company currency.
        coalesce(
            upper({{ hubspot_property('deal_currency_code', payload='source.payload') }}),
            '{{ var("hubspot_company_currency") }}'
        ) as currency,
        {{ hubspot_property('dealstage', payload='source.payload') }} as deal_stage,
        {{ hubspot_property('pipeline', payload='source.payload') }} as pipeline,
        {{ hubspot_property('hs_is_closed_won', 'boolean', payload='source.payload') }} as hs_is_closed_won,
        {{ hubspot_property('closedate', 'timestamptz', payload='source.payload') }} as closed_at,
        coalesce(
            {{ hubspot_property('createdate', 'timestamptz', payload='source.payload') }},
            cast(source.payload ->> 'createdAt' as timestamptz)
        ) as created_at,
        coalesce(
            {{ hubspot_property('hs_lastmodifieddate', 'timestamptz', payload='source.payload') }},
            cast(source.payload ->> 'updatedAt' as timestamptz),
            source.source_updated_at
        ) as updated_at,
        coalesce(cast(source.payload ->> 'archived' as boolean), false) as is_archived,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source

),

won_flagged as (

    -- HubSpot's calculated hs_is_closed_won is authoritative where the extract carries it (custom pipelines have
    -- their own stage ids); otherwise the stage id decides.
    select
        *,
        coalesce(
            hs_is_closed_won,
            deal_stage in ({% for stage in var('hubspot_closed_won_stages') %}'{{ stage }}'{% if not loop.last %}, {% endif %}{% endfor %})
        ) as is_closed_won
    from renamed

),

final as (

    select
        deal_id,
        deal_name,
        amount,
        currency,
        deal_stage,
        pipeline,
        coalesce(is_closed_won, false) as is_closed_won,
        closed_at,
        created_at,
        updated_at,
        is_archived,
        extracted_at
    from won_flagged

)

select * from final
