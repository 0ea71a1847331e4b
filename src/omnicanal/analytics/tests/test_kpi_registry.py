"""Every KPI is defined once in code (kpis.KPIS) and on docs/analytics.md, with the same unit and source."""

import re
from pathlib import Path

from omnicanal.analytics import kpis

DOC = Path(__file__).resolve().parents[4] / "docs" / "analytics.md"
ROW = re.compile(r"^\| `(?P<name>[a-z0-9_]+)` \| .+ \| (?P<unit>[a-z]+) \| (?P<source>[a-z]+) \|$")


def documented():
    return {m["name"]: (m["unit"], m["source"]) for line in DOC.read_text(encoding="utf-8").splitlines()
            if (m := ROW.match(line))}


def test_the_page_and_the_registry_name_the_same_kpis_with_the_same_unit_and_source():
    assert documented() == {kpi.name: (kpi.unit, kpi.source) for kpi in kpis.KPIS}


def test_names_are_unique_and_units_and_sources_known():
    names = [kpi.name for kpi in kpis.KPIS]
    assert len(names) == len(set(names))
    assert {kpi.unit for kpi in kpis.KPIS} <= {kpis.COUNT, kpis.MONEY, kpis.FRACTION, kpis.MINUTES, kpis.BREAKDOWN}
    # every KPI is read off the rollups for a period of whole hours (the facts only for other periods)
    assert {kpi.source for kpi in kpis.KPIS} == {kpis.ROLLUP}
