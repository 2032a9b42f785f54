{#-
    Who referred whom, as the CRM records it: a contact created with a referral code (`referred_by_code`) and the
    contact whose own `referral_code` it is. The referrer is null when no contact carries the code (an advocate
    the CRM does not know), so the referral still counts.
-#}
with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}
    where not is_archived

),

referred as (

    select
        contact_id as referred_contact_id,
        referred_by_code as referral_code,
        created_at as referred_at,
        extracted_at
    from contacts
    where referred_by_code is not null

),

advocates as (

    select
        contact_id as referrer_contact_id,
        referral_code
    from contacts
    where referral_code is not null

),

final as (

    select
        referred.referred_contact_id,
        referred.referral_code,
        advocates.referrer_contact_id,
        referred.referred_at,
        referred.extracted_at
    from referred
    left join advocates using (referral_code)

)

select * from final
