{#-
    Every edge of the identity graph joins two identifiers of the same customer. An edge whose ends got different
    keys means label propagation stopped before it converged: raise the dbt var identity_graph_iterations.
-#}
select
    edges.node_a,
    edges.node_b,
    identifiers_a.customer_key as customer_key_a,
    identifiers_b.customer_key as customer_key_b
from {{ ref('int_identity_graph_edges') }} as edges
inner join {{ ref('int_identities_stitched') }} as identifiers_a
    on identifiers_a.identifier_type || ':' || identifiers_a.identifier_value = edges.node_a
inner join {{ ref('int_identities_stitched') }} as identifiers_b
    on identifiers_b.identifier_type || ':' || identifiers_b.identifier_value = edges.node_b
where identifiers_a.customer_key <> identifiers_b.customer_key
