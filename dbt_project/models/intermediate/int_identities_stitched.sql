{{ config(materialized='table', indexes=[{'columns': ['identifier_type', 'identifier_value'], 'unique': true}]) }}
{#-
    Identifiers resolved to customers: the connected components of the identity graph (int_identity_graph_edges).

    Each component is labelled with its smallest node (`<identifier_type>:<identifier_value>`) by label
    propagation: a node starts with the smallest of itself and its neighbours, and each round takes the smallest
    label among its neighbours' labels and its label's own label (pointer jumping, so long chains converge in a
    logarithmic number of rounds). The rounds are a fixed number of set-based steps (dbt var
    identity_graph_iterations); the test assert_identity_graph_converged fails if any edge still joins two labels,
    which tells you to raise it. customer_key = md5 of the label: deterministic, and the same for a component of
    one identifier seen only on touches (identifiers no link mentions are their own customers).

    Retroactive by construction: when a new link joins two components, every identifier of both gets the merged
    component's key; fct_touchpoints moves its earlier touches to it (see macro restitch_customer_keys).
-#}
{%- set iterations = var('identity_graph_iterations') | int %}
with

edges as (

    select * from {{ ref('int_identity_graph_edges') }}

),

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

neighbours as (

    select node_a as node, node_b as neighbour from edges
    union all
    select node_b as node, node_a as neighbour from edges

),

labels_0 as (

    select
        node,
        least(node, min(neighbour)) as label
    from neighbours
    group by node

),
{%- for round in range(1, iterations + 1) %}

labels_{{ round }} as (

    select
        node,
        min(label) as label
    from (
        select
            neighbours.node,
            neighbour_labels.label
        from neighbours
        inner join labels_{{ round - 1 }} as neighbour_labels
            on neighbour_labels.node = neighbours.neighbour
        union all
        select
            own_labels.node,
            label_labels.label
        from labels_{{ round - 1 }} as own_labels
        inner join labels_{{ round - 1 }} as label_labels
            on label_labels.node = own_labels.label
    ) as candidates
    group by node

),
{%- endfor %}

components as (

    select * from labels_{{ iterations }}

),

link_rules as (

    select
        node,
        string_agg(distinct link_rule, ',' order by link_rule) as link_rules,
        min(observed_at) as first_linked_at
    from (
        select node_a as node, link_rule, observed_at from edges
        union all
        select node_b as node, link_rule, observed_at from edges
    ) as incident
    group by node

),

component_sizes as (

    select
        label,
        count(*) as component_size
    from components
    group by label

),

linked_identifiers as (

    select
        split_part(components.node, ':', 1) as identifier_type,
        substr(components.node, length(split_part(components.node, ':', 1)) + 2) as identifier_value,
        components.label,
        link_rules.link_rules,
        link_rules.first_linked_at,
        component_sizes.component_size
    from components
    inner join link_rules
        on link_rules.node = components.node
    inner join component_sizes
        on component_sizes.label = components.label

),

touch_only_identifiers as (

    select distinct
        touchpoints.identifier_type,
        touchpoints.identifier_value,
        touchpoints.identifier_type || ':' || touchpoints.identifier_value as label,
        cast(null as text) as link_rules,
        cast(null as timestamptz) as first_linked_at,
        cast(1 as bigint) as component_size
    from touchpoints
    where not exists (
        select 1
        from components
        where components.node = touchpoints.identifier_type || ':' || touchpoints.identifier_value
    )

),

identifiers as (

    select * from linked_identifiers
    union all
    select * from touch_only_identifiers

),

final as (

    select
        cast(identifier_type as text) as identifier_type,
        cast(identifier_value as text) as identifier_value,
        cast(md5(label) as text) as customer_key,
        cast(label as text) as customer_label,
        cast(coalesce(link_rules, 'seen_only_on_touches') as text) as link_rules,
        cast(first_linked_at as timestamptz) as first_linked_at,
        cast(component_size as bigint) as component_size
    from identifiers

)

select * from final
