{#- Every ad platform's and email tool's campaigns in one relation (the models listed by campaign_models). -#}
with

unioned as (

    {{ union_contract_models(campaign_models(), campaign_contract_columns()) }}

)

select * from unioned
