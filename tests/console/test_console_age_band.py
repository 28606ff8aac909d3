"""The victim's age band travels in the package manifest (the exporter writes it from the case's stated
age; never the age itself) and the console counts cases by it when the officer gives no age at ingest."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from haven.console import store
from haven.console.crypto import open_key
from haven.console.db import make_engine
from haven.console.reader import Package
from haven.console.stats import compute, to_csv
from haven.console.summary import AGE_BANDS, MINOR_BANDS, summarise
from haven.report.package import AGE_BANDS as PACKAGE_BANDS
from haven.report.package import MANIFEST, age_band


def _manifest_case(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(MANIFEST))["case"]


def test_the_exporter_writes_the_band_not_the_age(packages):
    # the fixture's cases are aged 16, 19 and 15
    assert _manifest_case(packages["a"])["age_band"] == "16-17"
    assert _manifest_case(packages["b"])["age_band"] == "18-24"
    assert _manifest_case(packages["c"])["age_band"] == "14-15"
    assert "age" not in _manifest_case(packages["a"])
    assert age_band(None, True) == "under 18" and age_band(None, False) is None
    assert age_band(13, False) == "under 14" and age_band(17, False) == "16-17"
    assert age_band(24, False) == "18-24" and age_band(34, False) == "25-34"
    assert age_band(35, False) == "35 and over"
    # every band the exporter can write is one the console counts
    assert {band for _, band in PACKAGE_BANDS} | {"35 and over", "under 18"} <= set(AGE_BANDS)


def test_the_console_counts_cases_by_the_package_band(tmp_path, packages):
    engine = make_engine(str(tmp_path / "c.sqlite"))
    key = open_key(engine, tmp_path / "k")
    made = {tag: store.ingest(engine, key, packages[tag], actor="t") for tag in ("a", "b", "c")}
    summaries = {tag: store.get_case(engine, key, r.case_id)["summary"] for tag, r in made.items()}
    assert summaries["a"]["age_band"] == "16-17" and summaries["a"]["minor"] is True
    assert summaries["b"]["age_band"] == "18-24" and summaries["b"]["minor"] is False
    assert summaries["c"]["age_band"] == "14-15" and summaries["c"]["minor"] is True
    assert summaries["a"]["age"] is None  # the console never learns the exact age from the package
    table = compute(store.list_cases(engine, key))
    assert dict(table["age_band"]) == {"14-15": 1, "16-17": 1, "18-24": 1}
    assert dict(table["under_18"])["share under 18 (of known ages)"] == round(2 / 3, 3)
    rows = list(csv.reader(io.StringIO(to_csv(table))))
    assert ["age_band", "16-17", "1"] in rows and ["under_18", "under 18", "2"] in rows
    engine.dispose()


def _package(case: dict) -> Package:
    return Package({"case": case}, [], [], [], "")


def test_band_precedence_and_older_packages():
    # an age the officer gives at ingest wins over the package's band
    assert summarise(_package({"age_band": "16-17"}), "x", age=20)["age_band"] == "18-24"
    # a package from before the band was written: not known, as before
    old = summarise(_package({"id": "c1", "reference": "R"}), "x")
    assert old["age_band"] == "not known" and old["minor"] is None
    # the officer only marked a minor: the package's under-18 band is more precise and agrees
    assert summarise(_package({"age_band": "14-15"}), "x", minor=True)["age_band"] == "14-15"
    # a band that contradicts the officer, or one this console does not know, is not used
    assert summarise(_package({"age_band": "18-24"}), "x", minor=True)["age_band"] == "under 18"
    assert summarise(_package({"age_band": "eleven"}), "x")["age_band"] == "not known"
    assert summarise(_package({"age_band": "under 18"}), "x")["minor"] is True
    assert "under 18" in MINOR_BANDS and "18-24" not in MINOR_BANDS
