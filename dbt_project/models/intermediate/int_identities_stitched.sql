{{
    config(
        materialized='incremental',
        unique_key=['identifier_type', 'identifier_value'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['identifier_type', 'identifier_value'], 'unique': true},
            {'columns': ['customer_label']},
            {'columns': ['labelled_at']},
        ],
    )
}}
{#-
    Identifiers resolved to customers: the connected components of the identity graph (int_identity_graph_edges).

    Each component is labelled with its smallest node (`<identifier_type>:<identifier_value>`) by label
    propagation: a node starts with the smallest of itself and its neighbours, and each round takes the smallest
    label among its neighbours' labels and its label's own label (pointer jumping, so long chains converge in a
    logarithmic number of rounds). The rounds are a fixed number of set-based steps (dbt var
    identity_graph_iterations); the test assert_identity_graph_converged fails if any edge still joins two labels,
    which tells you to raise it. customer_key = md5 of the label: deterministic, and the same for a component of
    one identifier seen only on touches (identifiers no link mentions are their own customers).

    Incremental, so that the daily run costs what the new links touch, not the whole graph (issue 5). A run finds
    the *changed* nodes through the edges written since its last run (int_identity_graph_edges writes only new
    edges and edges whose first observation changed, stamped written_at): both ends of each. Only such an edge
    can add a node, change a node's link rules or first link, or join two stored components (every older edge
    was inside one component when the model last ran). The components stored for those nodes, plus the nodes, are
    the scope: every edge of the graph that touches the scope lies inside it (components are closed), so label
    propagation over the scope's edges alone gives exactly the components a full build gives, and the rows of the
    scope replace their stored rows. Identifiers seen only on touches are taken from the touches fct_touchpoints
    processes in this run (those int_touchpoints_unioned wrote after fct_touchpoints' newest stitched_at), since every
    older touch's identifier is stored already. Edges or touches that disappear from the sources (a deletion, not
    an update) are only dropped by a --full-refresh, which the weekly full build runs (docs/warehouse.md).

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

{%- if is_incremental() %}

stored as (

    select
        identifier_type || ':' || identifier_value as node,
        customer_label as label
    from {{ this }}
    where link_rules <> 'seen_only_on_touches'

),

changed_nodes as (

    -- Both ends of every edge new or changed since the last run: the only edges that can join two stored
    -- components, add a node, or change a node's link rules or first link. Edges written by the run that last
    -- wrote this model carry its start, as its rows do, so `>` leaves them out.
    select unnest(array[changed.node_a, changed.node_b]) as node
    from {{ ref('int_identity_graph_edges') }} as changed
    where changed.written_at > {{ newest_value(this, 'labelled_at') }}

),

scope as (

    select node from changed_nodes
    union
    select stored.node
    from stored
    where stored.label in (
        select stored.label
        from stored
        inner join changed_nodes
            on changed_nodes.node = stored.node
    )

),

scope_edges as (

    -- The scope is closed, so an edge with one end in it has both: one side is enough. An array probe of the
    -- table's node_a index: a join to the scope CTE got wild row estimates (a hash of a million batches).
    select scoped.*
    from {{ ref('int_identity_graph_edges') }} as scoped
    where scoped.node_a = any(array(select node from scope))

),
{%- else %}

scope_edges as (

    select * from edges

),
{%- endif %}

-- Every node of the scope, with how and since when it is linked (all its edges are in the scope).
link_rules as (

    select
        node,
        string_agg(distinct link_rule, ',' order by link_rule) as link_rules,
        min(observed_at) as first_linked_at
    from (
        select node_a as node, link_rule, observed_at from scope_edges
        union all
        select node_b as node, link_rule, observed_at from scope_edges
    ) as incident
    group by node

),

neighbours as (

    select node_a as node, node_b as neighbour from scope_edges
    union all
    select node_b as node, node_a as neighbour from scope_edges

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

{#- The watermark fct_touchpoints will use in this run, read from its stored state before it runs. #}
{%- set watermark = namespace(value=none) %}
{%- if is_incremental() and execute %}
    {%- for node in (graph.get('nodes') or {}).values() if node.resource_type == 'model' and node.name == 'fct_touchpoints' %}
        {%- set touch_fact = adapter.get_relation(node.database, node.schema, node.alias) %}
        {%- if touch_fact is not none %}
            {%- set watermark.value = newest_value(touch_fact, 'stitched_at') %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

touch_identifiers as (

    select distinct
        identifier_type,
        identifier_value
    from touchpoints
    {%- if watermark.value is not none %}
    -- the touches fct_touchpoints processes in this run (its watermark, read before it runs)
    where written_at > {{ watermark.value }}
    {%- endif %}

),

touch_only_identifiers as (

    select
        identifier_type,
        identifier_value,
        identifier_type || ':' || identifier_value as label,
        cast(null as text) as link_rules,
        cast(null as timestamptz) as first_linked_at,
        cast(1 as bigint) as component_size
    from touch_identifiers
    where not exists (
        select 1
        from {{ ref('int_identity_graph_edges') }} as edges
        where edges.node_a = touch_identifiers.identifier_type || ':' || touch_identifiers.identifier_value
    )
        and not exists (
            select 1
            from {{ ref('int_identity_graph_edges') }} as edges
            where edges.node_b = touch_identifiers.identifier_type || ':' || touch_identifiers.identifier_value
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
        cast(component_size as bigint) as component_size,
        -- bookkeeping: the run that wrote this row; fct_touchpoints' post-hook re-keys only recent rows' touches
        {{ run_stamp() }} as labelled_at
    from identifiers

)

select * from final
