"""Portable SQL macros (macros/cross_db/) rendered by dbt and run on DuckDB with rows made by hand."""

from __future__ import annotations

import duckdb
import pytest

from helpers import dbt_render


@pytest.mark.slow
def test_unordered_texts_hash_changes_with_the_set_of_texts_not_their_order(tmp_path):
    expression = dbt_render("select {{ unordered_texts_hash('txt') }} as h", tmp_path).removeprefix("select ").removesuffix(" as h")
    rows = [(1, "a"), (1, "b"), (2, "b"), (2, "a"), (3, "a"), (3, "c"), (4, "a"), (4, None), (5, "a"), (5, "a"), (5, "b"), (6, None)]
    with duckdb.connect() as con:
        con.execute("create table t (grp integer, txt varchar)")
        con.executemany("insert into t values (?, ?)", rows)
        hashes = dict(con.execute(f"select grp, {expression} from t group by grp").fetchall())
        a_alone = con.execute("select '1:' || cast(hash('a') as varchar)").fetchone()[0]
    assert hashes[1] == hashes[2]  # the same texts in another order
    assert hashes[3] != hashes[1]  # one text changed
    assert hashes[4] == a_alone  # a null text is not counted: the count and the one hash
    assert hashes[5] != hashes[1]  # one text twice: another count and sum
    assert hashes[6] == "0:"  # no text at all
