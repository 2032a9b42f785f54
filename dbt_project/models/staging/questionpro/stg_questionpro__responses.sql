{{ incremental_by_record('response_id', unique=true) }}
{#-
    QuestionPro survey responses, typed. QuestionPro writes timestamps in the account's time zone with its
    abbreviation ("07 Aug, 2026 12:44:26 PM PDT"); PostgreSQL reads that form once the comma is gone. The NPS score
    is the answer to the question that asks how likely the respondent is to recommend us (0-10); other questions
    give a choice (e.g. a lost deal's reason) or a free-text comment.
-#}
with

source as (

    select * from {{ source('questionpro', 'questionpro__responses') }}
    where {{ extracted_since_last_run('extracted_at') }}

),

questions as (

    select
        source.natural_key as response_id,
        question.position as question_position,
        question.body ->> 'questionText' as question_text,
        trim(question.body -> 'answerValues' -> 0 ->> 'answerText') as answer_text,
        trim(question.body -> 'answerValues' -> 0 -> 'value' ->> 'scale') as answer_scale,
        nullif(trim(question.body -> 'answerValues' -> 0 -> 'value' ->> 'text'), '') as answer_free_text
    from source
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(source.payload -> 'responseSet') = 'array' then source.payload -> 'responseSet' end
    ) with ordinality as question (body, position)

),

answers as (

    select
        response_id,
        min(cast(coalesce(nullif(answer_scale, ''), answer_text) as integer)) filter (
            where question_text ilike '%recommend%' and coalesce(nullif(answer_scale, ''), answer_text) ~ '^([0-9]|10)$'
        ) as nps_score,
        min(answer_text) filter (
            where question_text not ilike '%recommend%' and nullif(answer_text, '') is not null
        ) as choice_answer,
        min(answer_free_text) as comment_text
    from questions
    group by response_id

),

renamed as (

    select
        cast(source.natural_key as text) as response_id,
        cast(source.payload ->> 'surveyID' as text) as survey_id,
        source.payload ->> 'surveyName' as survey_name,
        {{ hash_email("source.payload ->> 'emailAddress'") }} as email_hash,
        cast(replace(source.payload ->> 'timestamp', ',', '') as timestamptz) as submitted_at,
        lower(source.payload ->> 'responseStatus') as response_status,
        answers.nps_score,
        case
            when answers.nps_score >= 9 then 'promoter'
            when answers.nps_score >= 7 then 'passive'
            when answers.nps_score >= 0 then 'detractor'
        end as nps_category,
        answers.choice_answer,
        answers.comment_text,
        nullif(source.payload -> 'customVariables' ->> 'custom1', '') as custom_variable_1,
        nullif(source.payload -> 'customVariables' ->> 'custom2', '') as custom_variable_2,
        cast(source.payload ->> 'timeTaken' as integer) as time_taken_seconds,
        coalesce(cast(source.payload ->> 'duplicate' as boolean), false) as is_duplicate,
        cast(source.extracted_at as timestamptz) as extracted_at
    from source
    left join answers on answers.response_id = source.natural_key

),

final as (

    select
        response_id,
        survey_id,
        survey_name,
        email_hash,
        submitted_at,
        response_status,
        nps_score,
        nps_category,
        choice_answer,
        comment_text,
        custom_variable_1,
        custom_variable_2,
        time_taken_seconds,
        is_duplicate,
        extracted_at
    from renamed

)

select * from final
