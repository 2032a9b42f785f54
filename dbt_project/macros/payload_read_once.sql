{#-
    A raw record's payload, decompressed once per row. PostgreSQL decompresses a stored (TOASTed) jsonb again for
    every operator applied to it: stg_matomo__visits reads some thirty fields of each visit's few-KB payload and
    spent most of its time decompressing the same value. `payload || '{}'` is the payload itself (every raw payload
    is a JSON object), decompressed once. Select it in a CTE that ends in `offset 0`, so that the planner does not
    copy the expression into every use: on a sample of the raw visits at 1,000,000 buyers, 3.5 times faster, same
    rows.

    source: the raw table's alias.
-#}
{% macro payload_read_once(source) -%}
    {{ source }}.payload || '{}'::jsonb
{%- endmacro %}
