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
