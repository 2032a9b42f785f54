{#-
    The identity link models (macro identity_link_models) are incremental per link: one row per identifier pair,
    stamped with the run that wrote it (written_at), which is how int_identity_graph_edges reads them.
    read_by_extract_time: the model reads its source records by extracted_since_last_run and keeps their
    extracted_at (its watermark, indexed).
-#}
{% macro incremental_identity_links(read_by_extract_time=true) -%}
    {{ config(
        materialized='incremental',
        unique_key=['identifier_value_a', 'identifier_type_b', 'identifier_value_b'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['identifier_value_a', 'identifier_type_b', 'identifier_value_b'], 'unique': true},
            {'columns': ['written_at']},
        ] + ([{'columns': ['extracted_at']}] if read_by_extract_time else []),
        post_hook=written_rows_analyzed(),
    ) }}
{%- endmacro %}

{#- The final select of a link model that reads its source records by extract time: the links of `links` (the
    contract columns and the record's extracted_at) that are new or whose observed_at changed, stamped. -#}
{% macro new_or_reobserved_links(links) -%}
    select
        cast({{ links }}.identifier_type_a as text) as identifier_type_a,
        cast({{ links }}.identifier_value_a as text) as identifier_value_a,
        cast({{ links }}.identifier_type_b as text) as identifier_type_b,
        cast({{ links }}.identifier_value_b as text) as identifier_value_b,
        cast({{ links }}.link_rule as text) as link_rule,
        cast({{ links }}.observed_at as timestamptz) as observed_at,
        cast({{ links }}.extracted_at as timestamptz) as extracted_at,
        {{ run_stamp() }} as written_at
    from {{ links }}
    {%- if is_incremental() %}
    left join {{ this }} as stored
        on stored.identifier_value_a = {{ links }}.identifier_value_a
        and stored.identifier_type_b = {{ links }}.identifier_type_b
        and stored.identifier_value_b = {{ links }}.identifier_value_b
    where stored.observed_at is distinct from {{ links }}.observed_at
    {%- endif %}
{%- endmacro %}
