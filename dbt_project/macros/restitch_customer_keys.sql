{#-
    Retroactive identity stitching for an incremental fact keyed by identifier: moves every row whose identifier
    now belongs to another customer (a new link merged two components) to that customer's key. Runs as the fact's
    post-hook, set-based, touching only rows whose key changed; on a full refresh the fact is built with the
    current keys already, so there is nothing to do.
-#}
{% macro restitch_customer_keys(relation) -%}
    {%- if is_incremental() and not flags.FULL_REFRESH -%}
    update {{ relation }} as fact
    set customer_key = identities.customer_key
    from {{ ref('int_identities_stitched') }} as identities
    where identities.identifier_type = fact.identifier_type
        and identities.identifier_value = fact.identifier_value
        and identities.customer_key is distinct from fact.customer_key
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
