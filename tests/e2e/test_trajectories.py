"""End to end in headless Chromium: an open_clip run uploaded as files becomes a path on the scatter and
a learning curve on the Scaling page, for this browser session only; the fine-tuning trajectory page."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.e2e.test_browser import PAGES, assert_clean

pytestmark = pytest.mark.browser
RUN = ROOT / "tests" / "data" / "open_clip_logs" / "rn50-cc12m-2m"
RUN_NAME = "rn50-cc12m-2m (yours)"


def nav(app, title: str) -> None:
    """Go to another page in the same browser session (the sidebar link keeps the session)."""
    app.after(lambda: app.page.locator('[data-testid="stSidebarNav"] a', has_text=title).click())


def detail(app, trace_name: str, step: str, margin: int = 70, scale: int = 3) -> None:
    """A magnified crop of the chart around one trace's points (the figure as drawn, for looking at)."""
    import io

    from PIL import Image

    from tests.e2e.conftest import SCREENSHOTS

    box = app.page.evaluate(
        """([gd, name]) => {
            const t = gd._fullData.find(d => d.name === name);
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            const px = Array.from(t.x).map(v => xa._offset + xa.l2p(v));
            const py = Array.from(t.y).map(v => ya._offset + ya.l2p(v));
            return [Math.min(...px), Math.min(...py), Math.max(...px), Math.max(...py)];
        }""", [app.plot(0).element_handle(), trace_name])
    png = Image.open(io.BytesIO(app.plot(0).screenshot()))
    x0, y0, x1, y1 = box
    crop = png.crop((max(0, int(x0) - margin), max(0, int(y0) - margin), int(x1) + margin, int(y1) + margin))
    crop = crop.resize((crop.width * scale, crop.height * scale), Image.LANCZOS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    crop.save(SCREENSHOTS / f"{app.test_name}--{step}.png")


def test_uploaded_run_is_a_path_and_a_learning_curve_for_this_session_only(open_app):
    app = open_app(PAGES["Your results"])
    files = app.page.locator('[data-testid="stFileUploader"] input[type="file"]')
    app.after(lambda: files.set_input_files(files=[
        {"name": "results.jsonl", "mimeType": "application/json",
         "buffer": (RUN / "checkpoints" / "results.jsonl").read_bytes()},
        {"name": "params.txt", "mimeType": "text/plain", "buffer": (RUN / "params.txt").read_bytes()}]))
    assert_clean(app)
    assert "4 model(s) loaded" in " ".join(app.page.locator('[data-testid="stAlertContentSuccess"]').all_inner_texts())
    notes = app.page.locator('[data-testid="stExpander"]').filter(has_text="How the files were read").inner_text()
    assert "2,000,000, 4,000,000, 6,000,000, 8,000,000 samples seen" in notes
    app.screenshot("1-run-uploaded")

    nav(app, "Effective robustness")  # the landing view is ImageNetV2, the shift open_clip evaluates
    chart = app.chart(until=lambda c: any(t["name"] == RUN_NAME for t in c["traces"]))
    assert_clean(app)
    path = [t for t in chart["traces"] if t["name"] == RUN_NAME]
    assert len(path) == 1 and path[0]["n"] == 4 and "lines" in path[0]["mode"], chart["traces"]
    assert "rn50" not in app.page.url
    app.fill("Highlight models", "rn50-cc12m-2m")
    app.chart(until=lambda c: any(t["name"].startswith("Matches") for t in c["traces"]))
    app.screenshot("2-run-path-on-scatter")
    detail(app, RUN_NAME, "2b-run-path-detail")

    nav(app, "Scaling")
    n_charts = app.page.locator('[data-testid="stPlotlyChart"]').count()
    curves = app.chart(n_charts - 1, until=lambda c: any(t["name"] == RUN_NAME for t in c["traces"]))
    assert_clean(app)
    run = [t for t in curves["traces"] if t["name"] == RUN_NAME]
    assert run and run[0]["n"] == 4 and len(curves["traces"]) > 1, curves["traces"]
    app.screenshot("3-run-learning-curve")

    # a fresh session (a colleague, or this user tomorrow) has no such run
    other = open_app(PAGES["Effective robustness"])
    fresh = other.chart()
    assert not any(t["name"] == RUN_NAME for t in fresh["traces"])
    assert not any(t["name"].startswith("Your models") for t in fresh["traces"])


def test_run_without_params_is_read_with_a_note_then_placed_with_the_given_samples_per_epoch(open_app):
    app = open_app(PAGES["Your results"])
    files = app.page.locator('[data-testid="stFileUploader"] input[type="file"]')
    bare = ROOT / "tests" / "data" / "open_clip_logs" / "vit-b-32-noparams" / "checkpoints" / "results.jsonl"
    app.after(lambda: files.set_input_files(files=[
        {"name": "results.jsonl", "mimeType": "application/json", "buffer": bare.read_bytes()}]))
    assert_clean(app)
    warning = " ".join(app.page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts())
    assert "samples seen are unknown" in warning
    notes = app.page.locator('[data-testid="stExpander"]').filter(has_text="How the files were read").inner_text()
    assert "never guessed" in notes and "line(s) 4" in notes and "line(s) 5" in notes
    app.screenshot("1-no-params-note")
    app.page.locator('[data-testid="stExpander"] summary').filter(has_text="open_clip runs").click()
    box = app.page.get_by_role("spinbutton", name="Samples per epoch (when params.txt is missing)")

    def act() -> None:
        box.fill("5000000")
        box.press("Enter")

    app.after(act)
    assert_clean(app)
    notes = app.page.locator('[data-testid="stExpander"]').filter(has_text="How the files were read").inner_text()
    assert "5,000,000, 10,000,000, 20,000,000 samples seen" in notes and "as you gave it" in notes
    assert not app.page.locator('[data-testid="stAlertContentWarning"]').filter(
        has_text="samples seen are unknown").count()
    app.screenshot("2-samples-per-epoch-given")


def test_fine_tuning_trajectory_page(open_app):
    app = open_app(PAGES["Trajectories"])
    chart = app.chart(until=lambda c: sum(t["mode"] == "lines+markers" for t in c["traces"]) == 6)
    assert_clean(app)
    assert sum(t["mode"] == "lines+markers" for t in chart["traces"]) == 6  # five shifts and the mean
    assert app.table_rows(0, until=lambda n: n == 4) == 4  # zero-shot, LP init, fine-tuned, soups
    app.screenshot("1-fine-tuning-trajectory")
    scatter = open_app(PAGES["Effective robustness"] + "?shift=imagenet-sketch&paths=model-soups")
    c = scatter.chart(until=lambda c: any(t["name"].startswith("Fine-tuning CLIP") for t in c["traces"]))
    assert_clean(scatter)
    assert any(t["name"].startswith("Fine-tuning CLIP") for t in c["traces"])
    scatter.screenshot("2-soups-path-on-scatter")
    zoom = open_app(PAGES["Effective robustness"] + "?shift=imagenet-sketch&paths=model-soups&xr=55,85&yr=25,60")
    zoom.chart(until=lambda c: any(t["name"].startswith("Fine-tuning CLIP") for t in c["traces"]))
    assert_clean(zoom)
    zoom.screenshot("3-soups-path-zoomed-from-link")
