{{
    config(
        materialized='table',
        indexes=[{'columns': ['node_a']}, {'columns': ['node_b']}],
    )
}}
{#-
    The identity graph's edges: every deterministic link any source made between two identifiers (the models
    listed by identity_link_models). A node is `<identifier_type>:<identifier_value>`; each undirected edge is kept
    once per link rule, its endpoints in sorted order (node_a < node_b), observed_at its first observation. Links
    of an identifier to itself and links with a missing end are dropped: they join nothing.

    A table, built once per run: the identity links are parsed from the raw JSON once, and label propagation
    (int_identities_stitched), its incremental scope search and the data tests read the table instead of
    re-parsing every source's links each time (issue 5). The indexes serve the scope search's lookups by node.
-#}
with

links as (

    {{ union_contract_models(identity_link_models(), identity_link_contract_columns()) }}

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

final as (

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

)

select * from final
