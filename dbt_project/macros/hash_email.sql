{#-
    sha256 (hex) of the salt followed by the trimmed, lower-cased email; null for a missing or blank email.
    Every source hashes emails through this macro, so equal addresses give equal hashes across sources and the
    identity graph can join on them without the warehouse keeping a raw address past staging.
-#}
{% macro hash_email(email) -%}
    {%- set salt = "'" ~ (var('pii_salt') | replace("'", "''")) ~ "'" -%}
    case when trim({{ email }}) <> '' then encode(sha256(convert_to({{ salt }} || lower(trim({{ email }})), 'UTF8')), 'hex') end
{%- endmacro %}
