{#- Every ad platform's daily campaign performance in one relation (the models listed by ad_performance_models). -#}
with

unioned as (

    {{ union_contract_models(ad_performance_models(), ad_performance_contract_columns()) }}

)

select * from unioned
