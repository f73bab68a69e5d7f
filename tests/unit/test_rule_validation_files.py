"""`lead-scoring validate` on candidate files dbt could not even load (lead_scoring/rule_validation.py
check_files): odd bytes, a wrong header, a row with too many fields. Each is one error naming the
file and the line, found before dbt runs."""

from __future__ import annotations

from pathlib import Path

from helpers import PROJECT_DIR
from lead_scoring import rule_validation

SEED = "scoring_engagement_rules"


def candidate(tmp_path: Path, text: bytes) -> Path:
    folder = tmp_path / "candidate"
    folder.mkdir()
    (folder / f"{SEED}.csv").write_bytes(text)
    return folder


def project_seed() -> bytes:
    return (PROJECT_DIR / "seeds" / f"{SEED}.csv").read_bytes()


def findings(tmp_path: Path, text: bytes) -> list[tuple[str, str, str, str]]:
    result = rule_validation.validate(candidate(tmp_path, text), use_warehouse=False, work_dir=tmp_path / "work")
    assert not (tmp_path / "work" / "validate" / "rule_candidates.duckdb").exists()  # stopped before dbt
    return [(f.level, f.seed, f.row, f.message) for f in result.findings]


def test_text_that_is_not_utf8_names_its_line_and_byte(tmp_path):
    text = project_seed().rstrip(b"\n") + b"\nhybrid_v1,caf\xe9_visit,Caf\xe9 page,page_view,page_url,starts_with,/cafe,5,1,5,,,,false\n"
    lines = text.count(b"\n")
    assert findings(tmp_path, text) == [
        ("error", SEED, f"line {lines}", "not UTF-8 text (byte 0xe9): save the file as UTF-8"),
    ]


def test_a_header_without_a_column_or_with_another_one(tmp_path):
    header, _, rest = project_seed().partition(b"\n")
    renamed = header.replace(b",max_points,", b",max_point,")
    assert findings(tmp_path, renamed + b"\n" + rest) == [
        ("error", SEED, "header", f"the columns must be those of seeds/{SEED}.csv: missing max_points; unknown max_point"),
    ]


def test_a_row_with_more_fields_than_the_header(tmp_path):
    text = project_seed().rstrip(b"\n") + b"\nhybrid_v1,docs,Docs, guides and FAQ,page_view,page_url,starts_with,/docs,2,1,4,,,,false\n"
    lines = text.count(b"\n")
    assert findings(tmp_path, text) == [
        ("error", SEED, f"line {lines}", "15 fields, the header has 14 (a comma in an unquoted value?)"),
    ]


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    # Spreadsheet programs save one; the header still has the seed's columns.
    text = b"\xef\xbb\xbf" + project_seed().rstrip(b"\n") + b"\nhybrid_v1,x,y,page_view,,,,1,1,1,,,,false,extra\n"
    lines = text.count(b"\n")
    assert findings(tmp_path, text) == [
        ("error", SEED, f"line {lines}", "15 fields, the header has 14 (a comma in an unquoted value?)"),
    ]


def test_a_warehouse_another_process_writes_gets_one_line_and_exit_2(tmp_path):
    import subprocess
    import sys

    from helpers import cli

    db = tmp_path / "wh" / "lead_scoring.duckdb"
    db.parent.mkdir()
    # A real second process holds the write lock, as a running daily job does.
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); "
                               "c.execute('create table t (a int)'); print('ready', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        for command in (["validate"], ["preview", "--rules", str(PROJECT_DIR / "seeds")]):
            result = cli(tmp_path, *command, LEAD_SCORING_DB=str(db))
            assert result.returncode == 2, result.stdout + result.stderr
            assert result.stderr.count("\n") == 1 and f"is being written by another process (PID {holder.pid})" in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_an_activation_rule_may_leave_off_the_account_columns_at_its_end(tmp_path):
    """activation_rules gained target, account_state, min_account_score and min_engaged_leads: a row
    of the 15 fields before them still loads (a lead rule); 14 fields is still a broken row."""
    seed = PROJECT_DIR / "seeds" / "activation_rules.csv"
    rows = ["warm,Warm,hybrid_v1,nurture,lead,,,,,,enter,every_entry,7,nurture,true",
            "cut,Cut short,hybrid_v1,nurture,lead,,,,,,enter,every_entry,7,nurture"]
    path = tmp_path / "activation_rules.csv"
    path.write_text(seed.read_text().rstrip("\n") + "\n" + "\n".join(rows) + "\n")
    lines = path.read_text().count("\n")
    assert [(f.row, f.message) for f in rule_validation.check_files({"activation_rules": path})] == [
        (f"line {lines}", "14 fields, the header has 19 (a comma in an unquoted value?)"),
    ]
