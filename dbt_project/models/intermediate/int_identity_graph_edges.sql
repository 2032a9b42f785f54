{{
    config(
        materialized='incremental',
        unique_key=['node_a', 'node_b', 'link_rule'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['node_a', 'node_b', 'link_rule'], 'unique': true},
            {'columns': ['node_b']},
            {'columns': ['written_at']},
        ],
    )
}}
{#-
    The identity graph's edges: every deterministic link any source made between two identifiers (the models
    listed by identity_link_models). A node is `<identifier_type>:<identifier_value>`; each undirected edge is kept
    once per link rule, its endpoints in sorted order (node_a < node_b), observed_at its first observation. Links
    of an identifier to itself and links with a missing end are dropped: they join nothing.

    Built once per run: the identity links are parsed from the raw JSON once, and label propagation
    (int_identities_stitched), its incremental scope search and the data tests read the table instead of
    re-parsing every source's links each time (issue 5). The indexes serve the scope search's lookups by node.

    Incremental: a run computes the edges of the links the link models wrote since its last run (each stamps the
    links it writes, new or re-observed: written_since_last_run) and writes only those that are new or whose
    observed_at changed, stamped with the run's start (written_at), so int_identities_stitched finds what changed
    in the graph by an index range on written_at instead of comparing every edge with its stored result. A link
    rule belongs to one source, so an edge's observations all come from one link model. A link a source no longer
    shows stays until the full build (--full-refresh), as in int_identities_stitched (docs/warehouse.md).
-#}
{%- set new_links = {} %}
{%- for model_name in identity_link_models() %}
    {%- do new_links.update({model_name: written_since_last_run()}) %}
{%- endfor %}
with

links as (

    {{ union_contract_models(identity_link_models(), identity_link_contract_columns(), where=new_links) }}

),

nodes_named as (

    select
        identifier_type_a || ':' || identifier_value_a as node_1,
        identifier_type_b || ':' || identifier_value_b as node_2,
        link_rule,
        observed_at
    from links
    where identifier_type_a is not null
        and identifier_value_a is not null
        and identifier_type_b is not null
        and identifier_value_b is not null

),

edges as (

    select
        least(node_1, node_2) as node_a,
        greatest(node_1, node_2) as node_b,
        link_rule,
        min(observed_at) as observed_at
    from nodes_named
    where node_1 <> node_2
    group by
        least(node_1, node_2),
        greatest(node_1, node_2),
        link_rule

),

final as (

    select
        cast(edges.node_a as text) as node_a,
        cast(edges.node_b as text) as node_b,
        cast(edges.link_rule as text) as link_rule,
        cast(edges.observed_at as timestamptz) as observed_at,
        -- bookkeeping: the run that wrote this edge (new, or its first observation changed)
        {{ run_stamp() }} as written_at
    from edges
    {%- if is_incremental() %}
    where not exists (
        select 1
        from {{ this }} as stored
        where stored.node_a = edges.node_a
            and stored.node_b = edges.node_b
            and stored.link_rule = edges.link_rule
            and stored.observed_at is not distinct from edges.observed_at
    )
    {%- endif %}

)

select * from final
