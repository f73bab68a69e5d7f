"""Publication of the BI file: only checked data, atomically, with personal data hashed."""

from __future__ import annotations

import hashlib
import hmac
import shutil
import stat
import subprocess
import sys

import duckdb
import pytest

from helpers import PROJECT_DIR, activation_warehouse, query
from lead_scoring.bi_publication import HashKeyError, default_hash_key_file, hash_key_id, publish, read_publication


@pytest.fixture()
def warehouse_copy(tmp_path, built_warehouse):
    """A private copy of the session warehouse (publication only reads it)."""
    copy = tmp_path / "wh" / "lead_scoring.duckdb"
    copy.parent.mkdir()
    shutil.copy(built_warehouse, copy)
    return copy


def test_publishes_every_mart_and_the_snapshot_with_row_counts_and_provenance(tmp_path, warehouse_copy):
    target = tmp_path / "bi" / "bi.duckdb"
    publication = publish(warehouse_copy, target, run_id="run-1")
    marts = {f"marts.{name}" for (name,) in query(warehouse_copy, "select table_name from information_schema.tables where table_schema = 'marts'")}
    assert marts <= set(publication.row_counts) and "snapshots.snap_lead_lifecycle" in publication.row_counts
    for table, rows in publication.row_counts.items():
        assert query(target, f"select count(*) from {table}") == [(rows,)]
        assert rows == query(warehouse_copy, f"select count(*) from {table}")[0][0]
    meta = read_publication(target)
    assert meta["run_id"] == "run-1" and meta["personal_data"] == "hashed" and meta["source_warehouse"] == str(warehouse_copy)
    assert not list(target.parent.glob("_publishing_*"))



def test_publishes_the_activation_marts_views_as_tables_and_the_activation_rules(tmp_path):
    """fct_lead_activations and mart_activation_queue are views in the warehouse (over an
    intermediate table, and over the delivery log): the BI file holds their rows as tables, with the
    seed activation_rules whose descriptions and destinations the dashboard shows. The delivery log
    itself stays out (the dashboard reads delivery_log.parquet, lead_scoring/activation_log_export.py)."""
    warehouse = activation_warehouse(tmp_path / "wh" / "lead_scoring.duckdb", with_log=True)
    target = tmp_path / "bi" / "bi.duckdb"
    publication = publish(warehouse, target, run_id="run-1")
    published = {"marts.fct_lead_activations": 8, "marts.mart_activation_queue": 4, "marts.mart_crm_lead_sync": 10,
                 "seeds.activation_rules": 6}
    assert {name: publication.row_counts.get(name) for name in published} == published
    kinds = dict(query(target, "select table_schema || '.' || table_name, table_type from information_schema.tables"))
    assert {kinds[name] for name in published} == {"BASE TABLE"}
    assert not [name for name in kinds if name.startswith(("activation.", "intermediate."))]
    assert query(target, "select action_id, lead_id from marts.mart_activation_queue where model_id = 'hybrid_v1' order by 1") == [
        ("campaign_trigger", "L3"), ("nurture_enrol", "L2"), ("sales_notification", "L1")]

def _hmac(key: str, value: str) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def _key_file_hmac(path, value: str) -> str:
    return _hmac(path.read_text().strip(), value)


def test_personal_columns_are_hashed_by_default_and_raw_on_request(tmp_path, warehouse_copy, bi_hash_key_of_the_tests):
    lead_id, email, first_name = query(warehouse_copy, "select lead_id, email, first_name from staging.stg_raw__leads where email is not null and first_name is not null order by lead_id limit 1")[0]
    hashed = tmp_path / "hashed.duckdb"
    publish(warehouse_copy, hashed, run_id="run-h")
    row = query(hashed, f"select email, first_name from marts.dim_leads where lead_id = '{lead_id}'")[0]
    # Keyed: the plain SHA-256 of the address (which a list of addresses reverses) is not in the file.
    key_file = bi_hash_key_of_the_tests
    assert row == (_key_file_hmac(key_file, email.strip().lower()), _key_file_hmac(key_file, first_name.strip().lower()))
    assert row[0] != hashlib.sha256(email.strip().lower().encode()).hexdigest()
    clear = query(hashed, "select count(*) from marts.dim_leads d where exists (select 1 from marts.dim_leads x where x.email like '%@%')")
    assert clear == [(0,)]

    raw = tmp_path / "raw.duckdb"
    publish(warehouse_copy, raw, run_id="run-r", personal_data="raw")
    assert query(raw, f"select email, first_name from marts.dim_leads where lead_id = '{lead_id}'") == [(email, first_name)]
    assert query(raw, "select personal_data, personal_data_key_id from main.bi_publication") == [("raw", None)]


@pytest.fixture()
def hand_picked_people(warehouse_copy):
    """staging.stg_raw__leads replaced by three hand-picked people (the other leads get nulls)."""
    ids = [lead_id for (lead_id,) in query(warehouse_copy, "select lead_id from marts.dim_leads order by lead_id limit 3")]
    people = {
        ids[0]: ("  Ada.Lovelace@Example.COM ", "Ada", "Lovelace"),
        ids[1]: ("zoë@exämple.org", "Zoë", None),  # non-ASCII: hashed as UTF-8
        ids[2]: (None, None, "O'Brien"),
    }
    con = duckdb.connect(str(warehouse_copy))
    try:
        con.execute("drop table staging.stg_raw__leads")
        con.execute("create table staging.stg_raw__leads (lead_id varchar, email varchar, first_name varchar, last_name varchar)")
        con.executemany("insert into staging.stg_raw__leads values (?, ?, ?, ?)", [(k, *v) for k, v in people.items()])
    finally:
        con.close()
    return people


def _published_people(path, ids) -> dict:
    rows = query(path, "select lead_id, email, first_name, last_name from marts.dim_leads where lead_id in (select unnest(?))", [list(ids)])
    return {row[0]: tuple(row[1:]) for row in rows}


def _expected(key: str, people: dict) -> dict:
    """Python's hmac over the lower-cased trimmed values: what another system holding the key computes."""
    return {
        lead_id: tuple(None if v is None else _hmac(key, v.strip().lower()) for v in values)
        for lead_id, values in people.items()
    }


@pytest.mark.parametrize(
    "key",
    ["correct horse battery staple", "k" * 100],  # the second is longer than SHA-256's block: HMAC hashes it first
    ids=["key-shorter-than-a-block", "key-longer-than-a-block"],
)
def test_hashes_equal_python_hmac_for_hand_picked_values(tmp_path, warehouse_copy, hand_picked_people, monkeypatch, key):
    monkeypatch.setenv("LEAD_SCORING_BI_HASH_KEY", key)
    target = tmp_path / "bi.duckdb"
    publication = publish(warehouse_copy, target, run_id="hand-picked")
    published = _published_people(target, hand_picked_people)
    assert published == _expected(key, hand_picked_people)
    ada = next(iter(hand_picked_people))
    assert published[ada][0] == _hmac(key, "ada.lovelace@example.com")
    # The file says it is hashed, under which key (an id that is neither the key nor its plain hash).
    (mode, key_id), = query(target, "select personal_data, personal_data_key_id from main.bi_publication")
    assert mode == "hashed" and key_id == hash_key_id(key.encode()) == publication.personal_data_key_id
    assert len(key_id) == 16 and key not in key_id and key_id not in hashlib.sha256(key.encode()).hexdigest()


def test_same_key_same_hashes_other_key_other_hashes(tmp_path, warehouse_copy, hand_picked_people, monkeypatch):
    monkeypatch.setenv("LEAD_SCORING_BI_HASH_KEY", "first key of at least sixteen bytes")
    publish(warehouse_copy, tmp_path / "a.duckdb", run_id="a")
    publish(warehouse_copy, tmp_path / "b.duckdb", run_id="b")
    monkeypatch.setenv("LEAD_SCORING_BI_HASH_KEY", "second key of at least sixteen bytes")
    publish(warehouse_copy, tmp_path / "c.duckdb", run_id="c")
    a, b, c = (_published_people(tmp_path / f"{name}.duckdb", hand_picked_people) for name in "abc")
    key_ids = [query(tmp_path / f"{name}.duckdb", "select personal_data_key_id from main.bi_publication")[0][0] for name in "abc"]
    assert a == b and key_ids[0] == key_ids[1]
    assert key_ids[2] != key_ids[0]
    for lead_id, values in a.items():
        for first, other in zip(values, c[lead_id]):
            assert (first is None and other is None) or first != other


def test_the_key_file_is_created_once_owner_only_outside_the_project_and_reused(tmp_path, warehouse_copy, hand_picked_people, monkeypatch):
    monkeypatch.delenv("LEAD_SCORING_BI_HASH_KEY", raising=False)
    monkeypatch.delenv("LEAD_SCORING_BI_HASH_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    key_file = tmp_path / "config" / "lead-scoring" / "bi_hash_key"
    assert default_hash_key_file() == key_file

    first = publish(warehouse_copy, tmp_path / "first.duckdb", run_id="first")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert not key_file.resolve().is_relative_to(PROJECT_DIR)
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["bi_hash_key"]  # nothing left aside
    key = key_file.read_text().strip()
    assert len(bytes.fromhex(key)) == 32
    assert _published_people(tmp_path / "first.duckdb", hand_picked_people) == _expected(key, hand_picked_people)

    before = key_file.stat()
    second = publish(warehouse_copy, tmp_path / "second.duckdb", run_id="second")
    after = key_file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns) and key_file.read_text().strip() == key
    assert _published_people(tmp_path / "second.duckdb", hand_picked_people) == _expected(key, hand_picked_people)
    assert first.personal_data_key_id == second.personal_data_key_id == hash_key_id(key.encode())


def test_rotating_the_key_changes_the_hashes(tmp_path, warehouse_copy, hand_picked_people, monkeypatch):
    key_file = tmp_path / "keys" / "lead_scoring_bi_key"
    monkeypatch.setenv("LEAD_SCORING_BI_HASH_KEY_FILE", str(key_file))
    old = publish(warehouse_copy, tmp_path / "bi.duckdb", run_id="old")
    old_key = key_file.read_text().strip()
    old_people = _published_people(tmp_path / "bi.duckdb", hand_picked_people)
    assert old_people == _expected(old_key, hand_picked_people)

    key_file.unlink()  # rotation as documented: remove the key file, the next publication makes a new one
    new = publish(warehouse_copy, tmp_path / "bi.duckdb", run_id="new")
    new_key = key_file.read_text().strip()
    new_people = _published_people(tmp_path / "bi.duckdb", hand_picked_people)
    assert new_key != old_key and new.personal_data_key_id != old.personal_data_key_id
    assert new_people == _expected(new_key, hand_picked_people)
    ada = next(iter(hand_picked_people))
    assert new_people[ada] != old_people[ada]


def test_concurrent_first_uses_agree_on_one_key(tmp_path, monkeypatch):
    monkeypatch.delenv("LEAD_SCORING_BI_HASH_KEY", raising=False)
    key_file = tmp_path / "shared" / "bi_hash_key"
    monkeypatch.setenv("LEAD_SCORING_BI_HASH_KEY_FILE", str(key_file))
    code = "from lead_scoring.bi_publication import hash_key; print(hash_key().decode())"
    processes = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(6)]
    keys = {p.communicate()[0].strip() for p in processes}
    assert all(p.returncode == 0 for p in processes)
    assert keys == {key_file.read_text().strip()}
    assert [p.name for p in key_file.parent.iterdir()] == ["bi_hash_key"]


@pytest.mark.parametrize(
    "env, message",
    [
        ({"LEAD_SCORING_BI_HASH_KEY": "  "}, "LEAD_SCORING_BI_HASH_KEY holds a key of 0 bytes"),
        ({"LEAD_SCORING_BI_HASH_KEY": "short"}, "LEAD_SCORING_BI_HASH_KEY holds a key of 5 bytes"),
        ({"LEAD_SCORING_BI_HASH_KEY_FILE": ""}, "LEAD_SCORING_BI_HASH_KEY_FILE is set but blank"),
        ({"LEAD_SCORING_BI_HASH_KEY_FILE": str(PROJECT_DIR / "warehouse" / "bi_hash_key")}, "must be outside the project folder"),
    ],
    ids=["blank-key", "short-key", "blank-key-file", "key-file-in-the-project"],
)
def test_an_unusable_key_stops_publication_and_keeps_the_previous_file(tmp_path, warehouse_copy, monkeypatch, env, message):
    target = tmp_path / "bi.duckdb"
    publish(warehouse_copy, target, run_id="good")
    before = target.read_bytes()
    monkeypatch.delenv("LEAD_SCORING_BI_HASH_KEY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(HashKeyError, match=message):
        publish(warehouse_copy, target, run_id="bad")
    assert target.read_bytes() == before
    assert not (PROJECT_DIR / "warehouse" / "bi_hash_key").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bi.duckdb", "wh"]


def test_raw_mode_needs_no_key(tmp_path, warehouse_copy, monkeypatch):
    key_file = tmp_path / "never" / "bi_hash_key"
    monkeypatch.setenv("LEAD_SCORING_BI_HASH_KEY_FILE", str(key_file))
    monkeypatch.setenv("LEAD_SCORING_BI_PERSONAL_DATA", "raw")
    publication = publish(warehouse_copy, tmp_path / "bi.duckdb", run_id="raw")
    assert publication.personal_data == "raw" and publication.personal_data_key_id is None
    assert not key_file.parent.exists()


def test_a_failed_publication_leaves_the_previous_file_untouched(tmp_path, warehouse_copy):
    target = tmp_path / "bi.duckdb"
    publish(warehouse_copy, target, run_id="good")
    before = target.read_bytes()
    con = duckdb.connect(str(warehouse_copy))
    con.execute("drop schema marts cascade")
    con.close()
    with pytest.raises(RuntimeError, match="Nothing to publish"):
        publish(warehouse_copy, target, run_id="bad")
    assert target.read_bytes() == before
    assert read_publication(target)["run_id"] == "good"
    assert not list(tmp_path.glob("_publishing_*"))


def test_a_reader_holding_the_file_open_does_not_stop_publication(tmp_path, warehouse_copy):
    target = tmp_path / "bi.duckdb"
    publish(warehouse_copy, target, run_id="first")
    reader = duckdb.connect(str(target), read_only=True)
    try:
        publish(warehouse_copy, target, run_id="second")
        # The open connection still sees its copy; a new one sees the new file.
        assert reader.execute("select run_id from main.bi_publication").fetchall() == [("first",)]
    finally:
        reader.close()
    assert read_publication(target)["run_id"] == "second"
