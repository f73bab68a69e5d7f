"""Salesforce column names as Fivetran lands them (crm_shapes.fivetran_column, the same rule as the
dbt macro salesforce_column) and the column style setting."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("api_name", "landed"), [
    ("Id", "id"),
    ("CreatedDate", "created_date"),
    ("IsDeleted", "is_deleted"),
    ("NumberOfEmployees", "number_of_employees"),
    ("ConvertedContactId", "converted_contact_id"),
    ("CurrencyIsoCode", "currency_iso_code"),
    # A custom field: its __c suffix keeps one underscore; the _ already separates the words.
    ("Budget_Confirmed__c", "budget_confirmed_c"),
    ("Status_Reason__c", "status_reason_c"),
])
def test_fivetran_column_is_snake_case(api_name, landed):
    from lead_scoring.crm_shapes import fivetran_column

    assert fivetran_column(api_name) == landed


@pytest.mark.parametrize(("value", "style"), [(None, "fivetran"), (" Airbyte ", "airbyte"), ("", "fivetran")])
def test_salesforce_column_style(monkeypatch, value, style):
    from lead_scoring import settings

    if value is None:
        monkeypatch.delenv(settings.SALESFORCE_COLUMN_STYLE_VAR, raising=False)
    else:
        monkeypatch.setenv(settings.SALESFORCE_COLUMN_STYLE_VAR, value)
    assert settings.salesforce_column_style() == style


def test_an_unknown_salesforce_column_style_is_an_error(monkeypatch):
    from lead_scoring import settings

    monkeypatch.setenv(settings.SALESFORCE_COLUMN_STYLE_VAR, "stitch")
    with pytest.raises(settings.RawSourceError, match="must be fivetran or airbyte, got 'stitch'"):
        settings.salesforce_column_style()



@pytest.mark.parametrize("style", ["fivetran", "airbyte"])
def test_salesforce_sample_in_a_column_style(tmp_path, style):
    """A small sample written in one style: columns under Fivetran's snake-case names or Airbyte's
    API names; converted leads are a Lead and a Contact whose ids end in the same number; each
    opportunity's contact role names a Contact."""
    import duckdb

    from lead_scoring.crm_shapes import fivetran_column, write_salesforce
    from lead_scoring.sample_data import generate

    def column(api_name: str) -> str:
        return f'"{api_name}"' if style == "airbyte" else fivetran_column(api_name)

    generate(tmp_path / "native", n_leads=300, days=60, seed=3)
    with duckdb.connect() as con:
        rows = write_salesforce(con, tmp_path / "native", column_style=style)
        lead_columns = [row[0] for row in con.execute("describe salesforce.lead").fetchall()]
        converted, same_number = con.execute(
            f"select count(*), count(*) filter (where right({column('ConvertedContactId')}, 15) = right({column('Id')}, 15)) "
            f"from salesforce.lead where {column('IsConverted')}").fetchone()
        roles = con.execute(
            f"select count(*) from salesforce.opportunity_contact_role as r "
            f"join salesforce.contact as c on c.{column('Id')} = r.{column('ContactId')}").fetchone()[0]
    assert column("ConvertedContactId").strip('"') in lead_columns
    assert converted > 0 and same_number == converted
    assert roles == rows["opportunity_contact_role"] == rows["opportunity"] > 0
    assert rows["contact"] > converted and rows["pardot.visitor_activity"] > 0


@pytest.mark.parametrize("shape", ["hubspot", "salesforce"])
def test_a_crm_sample_lands_its_company_visits_in_the_raw_table(tmp_path, shape):
    """Visits come from a visitor-identification tool, not the CRM: written in a CRM's shape, the
    sample's visits go to raw.company_visits (read whichever the source) row for row; a folder
    without visits writes none."""
    import duckdb

    from lead_scoring.crm_shapes import write_company_visits, write_shape
    from lead_scoring.sample_data import generate

    counts = generate(tmp_path / "native", n_leads=300, days=60, seed=3)
    with duckdb.connect() as con:
        rows = write_shape(con, shape, tmp_path / "native")
        assert rows["raw.company_visits"] == counts["company_visits"] > 0
        assert con.execute("""select count(*) from raw.company_visits as landed
                              join read_parquet(?) as files using (visit_id, company_domain, page_url, visited_at)""",
                           [f"{tmp_path}/native/company_visits/*.parquet"]).fetchone()[0] == counts["company_visits"]
        (tmp_path / "no_visits" / "company_visits").mkdir(parents=True)
        assert write_company_visits(con, tmp_path / "no_visits") == {}
