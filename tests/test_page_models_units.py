"""Models page: effective robustness in the chosen unit and interval (URL units, interval), the
extrapolation column, and the CSV download under the unit's column names."""

from __future__ import annotations

import pandas as pd
import pytest

from effrob_core.models_table import EXTRAPOLATED_COLUMN, models_table, unit_column_names
from effrob_core.robustness import robustness_by_shift
from tests.test_page_models import open_page


def test_models_table_in_logit_units_with_extrapolation(results) -> None:
    rob, _ = robustness_by_shift(results, n_resamples=50)
    pts = models_table(results, rob)
    logit = models_table(results, rob, unit="axis", kind="logit")
    seed = "openclip-lowacc:rn50-yfcc15m-1m"
    assert pts.loc[seed, "ER ImageNetV2 (pts)"] == pytest.approx(0.75, abs=0.01)
    assert logit.loc[seed, "ER ImageNetV2 (pts)"] == pytest.approx(0.158, abs=0.0015)  # the key stays, the unit is logit
    assert logit.loc[seed, EXTRAPOLATED_COLUMN] == "ImageNetV2"
    assert "ImageNetV2" not in pts.loc["testbed:resnet50", EXTRAPOLATED_COLUMN]  # (it splits ImageNet-A's line)
    assert logit.loc["testbed:resnet50", "ER ImageNetV2 95% CI"].count(".") == 2  # three decimals each
    names = unit_column_names("axis", "logit")
    assert names["ER ImageNetV2 (pts)"] == "ER ImageNetV2 (logit)" and unit_column_names("pts", "logit") == {}
    band = models_table(results, rob, interval="band")
    lo, hi = (pd.to_numeric(pts.loc[seed, "ER ImageNetV2 95% CI"].strip("[]").split(", ")[i]) for i in (0, 1))
    blo, bhi = (pd.to_numeric(band.loc[seed, "ER ImageNetV2 95% CI"].strip("[]").split(", ")[i]) for i in (0, 1))
    assert hi - lo > bhi - blo


def test_units_from_the_link_name_the_columns_and_the_download() -> None:
    at = open_page({"units": "axis", "q": "rn50-yfcc15m"})
    assert not at.exception and not at.error and not at.warning
    assert at.radio(key="models.units").value == "axis"
    table = at.dataframe[0].value
    assert EXTRAPOLATED_COLUMN in table.columns
    assert (table[EXTRAPOLATED_COLUMN] == "ImageNetV2").all() and len(table) >= 4  # the digitised RN50 points
    row = table.set_index("Model id").loc["openclip-lowacc:rn50-yfcc15m-1m"]
    assert row["ER ImageNetV2 (pts)"] == pytest.approx(0.158, abs=0.0015)
    captions = " ".join(c.value for c in at.caption)
    assert "vertical distance to the baseline on the logit axes" in captions
    assert at.query_params["units"] == "axis"


def test_units_control_changes_the_table_and_the_url() -> None:
    at = open_page({"q": "rn50-yfcc15m-1m"})
    before = at.dataframe[0].value.iloc[0]["ER ImageNetV2 (pts)"]
    at.radio(key="models.units").set_value("sd").run()
    assert not at.exception and at.query_params["units"] == "sd"
    after = at.dataframe[0].value.iloc[0]["ER ImageNetV2 (pts)"]
    assert before == pytest.approx(0.75, abs=0.01) and after == pytest.approx(0.158 / 0.0186, rel=0.02)
    at.radio(key="models.interval").set_value("band").run()
    assert not at.exception and at.query_params["interval"] == "band"


@pytest.mark.parametrize("page", ["robustness", "models", "scaling"])
def test_every_page_has_the_same_unit_and_interval_controls(page: str) -> None:
    """One control per page from one helper: the registries' options, labels and help, and the link's value."""
    from streamlit.testing.v1 import AppTest

    from effrob_core.er_units import ER_UNITS
    from effrob_core.uncertainty import ER_INTERVALS
    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update({"units": "sd", "interval": "band"})
    if page != "robustness":
        at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception
    units, interval = at.radio(key=f"{page}.units"), at.radio(key=f"{page}.interval")
    assert (units.value, interval.value) == ("sd", "band")
    assert units.options == [u.label for u in ER_UNITS.values()]
    assert interval.options == [i.label for i in ER_INTERVALS.values()]
    assert all(u.description in units.help for u in ER_UNITS.values())
    assert all(i.method in interval.help for i in ER_INTERVALS.values())
