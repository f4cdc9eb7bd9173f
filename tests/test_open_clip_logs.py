"""open_clip training logs (results.jsonl + params.txt) as uploaded runs: parsing, notes, the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from effrob_core.baseline import baseline_mask, fit_line
from effrob_core.cli import main
from effrob_core.results import Results
from effrob_core.upload import UploadError, parse_files_lenient, parse_run, read_params
from tests.conftest import ROOT

LOGS = ROOT / "tests" / "data" / "open_clip_logs"
RUN = LOGS / "rn50-cc12m-2m"
BARE = LOGS / "vit-b-32-noparams"


def files(run: Path, params: bool = True) -> list[tuple[str, bytes]]:
    out = [("results.jsonl", (run / "checkpoints" / "results.jsonl").read_bytes())]
    if params:
        out.append(("params.txt", (run / "params.txt").read_bytes()))
    return out


def test_params_txt_as_open_clip_writes_it() -> None:
    p = read_params("params.txt", (RUN / "params.txt").read_text())
    assert (p.name, p.model, p.train_num_samples, p.batch_size, p.epochs) == ("rn50-cc12m-2m", "RN50", 2_000_000, 256, 4)
    assert p.pretrained is None and p.train_data == "/data/cc12m-subset/{00000..00199}.tar"
    assert read_params("p.txt", "train_num_samples: None\nbatch_size: 64\nworld_size: 8\naccum_freq: 2\n").batch_size == 1024
    with pytest.raises(UploadError, match=r"p.txt, line 2: not a 'name: value' line"):
        read_params("p.txt", "model: RN50\nthis is not params\n")
    with pytest.raises(UploadError, match="train_num_samples is '2e6'"):
        read_params("p.txt", "train_num_samples: 2e6\n")


def test_four_evaluations_give_four_checkpoints_at_2m_4m_6m_8m() -> None:
    u = parse_run(*files(RUN))
    m = u.results.models.set_index("model_id")
    assert list(m.index) == [f"upload:rn50-cc12m-2m epoch {e}" for e in (1, 2, 3, 4)]
    assert m["samples_seen"].tolist() == [2e6, 4e6, 6e6, 8e6] == m["series_step"].tolist()
    assert set(m["series"]) == {"upload:rn50-cc12m-2m"} and set(m["architecture"]) == {"RN50"}
    assert set(m["train_data"]) == {"cc12m-subset"} and set(m["batch_size"]) == {256}
    assert set(m["source_category"]) == {"Zero-shot image-text"} and m["epochs"].tolist() == [1, 2, 3, 4]
    ev = u.results.evaluations
    assert set(ev["eval_set"]) == {"imagenet", "imagenetv2"} and len(ev) == 8
    first = json.loads((RUN / "checkpoints" / "results.jsonl").read_text().splitlines()[0])
    got = ev.set_index(["model_id", "eval_set"])["top1"]
    assert got["upload:rn50-cc12m-2m epoch 1", "imagenet"] == first["imagenet-zeroshot-val-top1"]
    assert got["upload:rn50-cc12m-2m epoch 1", "imagenetv2"] == first["imagenetv2-zeroshot-val-top1"]
    assert any("2,000,000, 4,000,000, 6,000,000, 8,000,000 samples seen" in n for n in u.notes)


def test_missing_params_is_a_clear_note_and_never_a_guessed_count() -> None:
    u = parse_run(*files(BARE, params=False), fallback_name="vit-b-32-noparams")
    m = u.results.models.set_index("model_id")
    assert list(m.index) == [f"upload:vit-b-32-noparams epoch {e}" for e in (1, 2, 4)]
    assert m["samples_seen"].isna().all() and m["series_step"].tolist() == [1, 2, 4]  # ordered by epoch
    notes = " ".join(u.notes)
    assert "params.txt is missing, so samples seen are unknown (never guessed)" in notes
    assert "line(s) 4" in notes and "without imagenet-zeroshot-val-top1" in notes  # no ImageNet: reported
    assert "have no 'epoch' and are not loaded" in notes and "line(s) 5" in notes  # no epoch: reported
    assert "epoch(s) 2 were evaluated more than once" in notes
    # the resumed epoch 2 keeps the last line
    assert u.results.evaluations.set_index(["model_id", "eval_set"])["top1"][
        "upload:vit-b-32-noparams epoch 2", "imagenet"] == 0.095
    given = parse_run(*files(BARE, params=False), samples_per_epoch=5e6, fallback_name="x")
    assert given.results.models["samples_seen"].tolist() == [5e6, 1e7, 2e7]
    assert any("as you gave it" in n for n in given.notes)


def test_bad_lines_name_line_and_key() -> None:
    with pytest.raises(UploadError, match=r"r.jsonl, line 2, key 'imagenet-zeroshot-val-top1': '31.2' is not an accuracy"):
        parse_run(("r.jsonl", b'{"imagenet-zeroshot-val-top1": 0.3, "epoch": 1}\n'
                              b'{"imagenet-zeroshot-val-top1": 31.2, "epoch": 2}\n'))
    with pytest.raises(UploadError, match=r"line 1: not a JSON object"):
        parse_run(("r.jsonl", b"{oops\n"))
    with pytest.raises(UploadError, match="no evaluation line has both an ImageNet accuracy"):
        parse_run(("r.jsonl", b'{"clip_val_loss": 2.0, "epoch": 1}\n'))
    with pytest.raises(UploadError, match=r"line 1, key 'epoch': epoch '1.5' is not a whole number"):
        parse_run(("r.jsonl", b'{"imagenet-zeroshot-val-top1": 0.3, "epoch": 1.5}\n'))


def test_page_upload_pairs_results_with_params_and_reports_a_lone_params() -> None:
    merged, kept, errors = parse_files_lenient(files(RUN))
    assert merged is not None and merged.n_models == 4 and not errors
    merged, kept, errors = parse_files_lenient([files(RUN)[1]])
    assert merged is None and "read together with its run's checkpoints/results.jsonl" in str(errors[0])
    merged, _, errors = parse_files_lenient([*files(RUN), *files(BARE, params=False)])
    # two runs: the params.txt cannot be paired, and both unnamed runs are called "results"
    assert merged is not None and merged.n_models == 4
    assert len(errors) == 2 and "upload one run at a time" in str(errors[0])
    assert "already has a imagenet accuracy" in str(errors[1])


def test_cli_reads_a_log_folder_with_the_right_effective_robustness(results: Results) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["robustness", "--shift", "imagenetv2", "--results", str(RUN), "--models", "rn50-cc12m-2m",
                 "--format", "csv", "--n-resamples", "50"], out, err) == 0
    lines = out.getvalue().splitlines()
    header = lines[0].split(",")
    rows = {r.split(",")[0]: dict(zip(header, r.split(","))) for r in lines[1:]}
    assert sorted(rows) == [f"upload:rn50-cc12m-2m epoch {e}" for e in (1, 2, 3, 4)]
    assert "2,000,000, 4,000,000, 6,000,000, 8,000,000 samples seen" in err.getvalue()
    wide = results.wide("top1")
    std = results.models["model_id"][baseline_mask(results.models, "testbed")]
    xy = wide.loc[std.to_numpy(), ["imagenet", "imagenetv2"]].dropna()
    fit = fit_line(xy["imagenet"].to_numpy(), xy["imagenetv2"].to_numpy(), "logit")
    for line in (RUN / "checkpoints" / "results.jsonl").read_text().splitlines():
        m = json.loads(line)
        er = m["imagenetv2-zeroshot-val-top1"] - fit.predict(m["imagenet-zeroshot-val-top1"])
        row = rows[f"upload:rn50-cc12m-2m epoch {m['epoch']}"]
        assert float(row["eff_rob_pct"]) == pytest.approx(100 * float(er), abs=6e-5)
    # its results.jsonl path works the same; a run without params.txt says so
    err2 = io.StringIO()
    assert main(["fit", "--shift", "imagenetv2", "--results", str(BARE / "checkpoints" / "results.jsonl")],
                io.StringIO(), err2) == 0
    assert "params.txt is missing" in err2.getvalue() and "'vit-b-32-noparams'" in err2.getvalue()
    bad = io.StringIO()
    assert main(["fit", "--shift", "imagenetv2", "--results", str(LOGS)], io.StringIO(), bad) == 2
    assert "must be an open_clip log folder with checkpoints/results.jsonl" in bad.getvalue()
    assert np.isfinite(fit.slope)


STANDARD_CSV = (b"model,imagenet,imagenetv2,group\n"
                b"lab-rn18,0.60,0.48,standard\nlab-rn34,0.66,0.54,standard\nlab-rn50,0.72,0.60,standard\n"
                b"lab-clip,0.40,0.36,zero-shot\n")


def test_your_standard_models_make_the_baseline(tmp_path: Path) -> None:
    from effrob_core.upload import parse_file
    from effrob_core.robustness import analyse_shift
    from effrob_core.results import load_results

    combined = load_results().combine(parse_file("lab.csv", STANDARD_CSV).results)
    alone = analyse_shift(combined, "imagenetv2", "yours", n_resamples=20)
    assert alone.fit.n == 3 and set(alone.points.loc[alone.points["in_baseline"], "display_name"]) == {
        "lab-rn18", "lab-rn34", "lab-rn50"}
    x = np.array([0.60, 0.66, 0.72])
    y = np.array([0.48, 0.54, 0.60])
    own = fit_line(x, y, "logit")
    assert alone.fit.pieces[0].fit.slope == pytest.approx(own.slope) and alone.fit.pieces[0].fit.intercept == pytest.approx(own.intercept)
    both = analyse_shift(combined, "imagenetv2", "testbed+yours", n_resamples=20)
    assert both.fit.n == analyse_shift(combined, "imagenetv2", "testbed", n_resamples=20).fit.n + 3
    path = tmp_path / "lab.csv"
    path.write_bytes(STANDARD_CSV)
    out = io.StringIO()
    assert main(["fit", "--shift", "imagenetv2", "--baseline", "yours", "--results", str(path)], out, io.StringIO()) == 0
    assert "n          3" in out.getvalue()
