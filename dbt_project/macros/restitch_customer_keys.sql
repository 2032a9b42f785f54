{#-
    Retroactive identity stitching for an incremental fact keyed by identifier: moves every row whose identifier
    now belongs to another customer (a new link merged two components) to that customer's key. Runs as the fact's
    post-hook, set-based, touching only rows whose key changed, and only for identifiers that
    int_identities_stitched wrote after the fact's previous run (the only ones whose key can have changed since
    the fact last moved its touches: its newest stitched_at before this run's; a run that failed wrote none, so
    its relabelling is applied by the next). It records the key each moved row had (previous_customer_key) and when it moved (stitched_at),
    so that models built per customer rebuild both the merged customer and the one that disappeared (macro
    customers_with_changed_touches). On a full refresh the fact is built with the current keys already, so there
    is nothing to do.
-#}
{% macro restitch_customer_keys(relation) -%}
    {%- if is_incremental() and not flags.FULL_REFRESH and execute -%}
    {#- Only identifiers relabelled since the fact's previous run can carry a new key: a literal bound lets
        PostgreSQL probe the fact's identifier index for those few instead of joining every touch. -#}
    {%- set identities = ref('int_identities_stitched') -%}
    update {{ relation }} as fact
    set customer_key = identities.customer_key,
        previous_customer_key = fact.customer_key,
        stitched_at = {{ run_stamp() }}
    from {{ identities }} as identities
    where identities.identifier_type = fact.identifier_type
        and identities.identifier_value = fact.identifier_value
        and identities.customer_key is distinct from fact.customer_key
        and identities.labelled_at > {{ newest_value(relation, 'stitched_at', before=run_stamp()) }}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
