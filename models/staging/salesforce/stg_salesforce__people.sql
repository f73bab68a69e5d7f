-- Every Salesforce person record (lead or contact, deleted ones left out) with the lead it
-- belongs to: a converted Lead and the Contact it became are one lead, under the Lead's id (its
-- history starts at the Lead); a Contact without a Lead is a lead under its own id. Events and
-- opportunities name a person by either id and reach the lead through this model.

with

leads as (

    select
        cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as lead_record_id,
        cast({{ salesforce_column('ConvertedContactId') }} as {{ dbt.type_string() }}) as converted_contact_id,
        {{ salesforce_column('IsConverted') }} as is_converted,
        {{ salesforce_column('CreatedDate') }} as created_date
    from {{ source('salesforce', 'lead') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

contacts as (

    select cast({{ salesforce_column('Id') }} as {{ dbt.type_string() }}) as contact_id
    from {{ source('salesforce', 'contact') }}
    where not coalesce({{ salesforce_column('IsDeleted') }}, false)

),

-- Leads converted into an existing contact: the first lead converted into it is the person's lead;
-- a later one stays a lead of its own.
conversions as (

    select
        converted_contact_id as contact_id,
        lead_record_id,
        row_number() over (partition by converted_contact_id order by created_date, lead_record_id) as conversion_rank
    from leads
    where coalesce(is_converted, false) and converted_contact_id is not null

),

final as (

    select
        lead_record_id as person_id,
        lead_record_id as lead_id,
        cast('lead' as {{ dbt.type_string() }}) as person_type
    from leads
    union all
    select
        contacts.contact_id as person_id,
        coalesce(conversions.lead_record_id, contacts.contact_id) as lead_id,
        cast('contact' as {{ dbt.type_string() }}) as person_type
    from contacts
    left join conversions
        on conversions.contact_id = contacts.contact_id
        and conversions.conversion_rank = 1

)

select * from final
