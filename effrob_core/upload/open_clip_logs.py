"""open_clip's training logs: ``<logs>/<name>/checkpoints/results.jsonl`` and ``<logs>/<name>/params.txt``.

As mlfoundations/open_clip's ``src/open_clip_train`` writes them: ``train.evaluate`` appends one
JSON object per evaluation (``json.dumps(metrics)``) to ``checkpoints/results.jsonl``, with the
zero-shot keys ``imagenet-zeroshot-val-top1``/``-top5`` and ``imagenetv2-zeroshot-val-top1``/``-top5``
(fractions) from ``zero_shot.py``; ``epoch`` (completed epochs) and ``num_samples`` (validation
images) are added only when validation data (``--val-data``) was evaluated. ``main.py`` writes
``params.txt`` as ``f"{name}: {val}"`` for every argument in sorted order, e.g.
``train_num_samples: 2000000`` (``None`` when not given), ``epochs``, ``batch_size`` (per GPU),
``world_size``, ``accum_freq``, ``model``, ``pretrained`` and ``train_data``.

Each evaluation line with an ImageNet accuracy and an epoch becomes one model of the series named
after the run; samples seen = completed epochs x ``train_num_samples`` (DATA.md, "A researcher's own
training run"). Without that number (no ``params.txt``, or ``train_num_samples: None``) samples seen
stay unknown unless the user gives the samples per epoch: never guessed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cells import DuplicateKeyError, decode, load_json
from .errors import MAX_NAME, MAX_ROWS, UploadError, clean, quote, short_list
from .part import FilePart

#: results.jsonl keys of top-1 accuracies and the evaluation sets they are.
OPEN_CLIP_KEYS: dict[str, str] = {"imagenet-zeroshot-val-top1": "imagenet",
                                  "imagenetv2-zeroshot-val-top1": "imagenetv2"}
IMAGENET_KEY = "imagenet-zeroshot-val-top1"
RESULTS_FILE = "results.jsonl"
PARAMS_FILE = "params.txt"
ZERO_SHOT = "Zero-shot image-text"
_PARAM_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*): ?(.*)$")


@dataclass(frozen=True)
class RunParams:
    """What ``params.txt`` says about a run (None where it is absent or ``None``)."""

    name: str | None
    model: str | None
    pretrained: str | None
    train_data: str | None
    train_num_samples: int | None
    batch_size: int | None  # global: batch_size x world_size x accum_freq
    epochs: int | None


def _none(value: str | None) -> str | None:
    """A params.txt value, with Python's ``None`` and an empty value as None."""
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", "None") else value


def _int(file: str, params: dict[str, tuple[int, str]], key: str) -> int | None:
    """A whole-number argument of params.txt (None when absent or ``None``); anything else is an error."""
    if key not in params:
        return None
    line, raw = params[key]
    value = _none(raw)
    if value is None:
        return None
    if not re.fullmatch(r"\d+", value):
        raise UploadError(file, f"{key} is {quote(value)}; open_clip writes a whole number here", row=f"line {line}",
                          column=key, label="argument")
    return int(value)


def read_params(file: str, text: str) -> RunParams:
    """Parse ``params.txt`` (``name: value`` per line); a line of another shape is an error naming it."""
    params: dict[str, tuple[int, str]] = {}
    for n, line in enumerate(text.splitlines(), start=1):  # a few hundred arguments
        if not line.strip():
            continue
        m = _PARAM_LINE.match(line)
        if m is None:
            raise UploadError(file, f"not a 'name: value' line ({quote(line)}); upload the params.txt that "
                                    "open_clip wrote beside checkpoints/", row=f"line {n}")
        params[m.group(1)] = (n, m.group(2))
    if not params:
        raise UploadError(file, "no 'name: value' lines; upload the params.txt that open_clip wrote")

    def text_of(key: str) -> str | None:
        return _none(params[key][1]) if key in params else None

    per_gpu = _int(file, params, "batch_size")
    world = _int(file, params, "world_size") or 1
    accum = _int(file, params, "accum_freq") or 1
    return RunParams(
        name=text_of("name"), model=text_of("model"), pretrained=text_of("pretrained"),
        train_data=text_of("train_data"), train_num_samples=_int(file, params, "train_num_samples"),
        batch_size=None if per_gpu is None else per_gpu * world * accum, epochs=_int(file, params, "epochs"))


def _data_label(train_data: str | None) -> str:
    """A short training-data label: the folder holding the shards of each ``::``-joined source."""
    if not train_data:
        return ""
    parts = []
    for source in train_data.split("::"):  # a few sources
        pieces = [p for p in re.split(r"[/\\]", source.strip()) if p]
        pieces = pieces[:-1] if len(pieces) > 1 and re.search(r"[{.]", pieces[-1]) else pieces
        parts.append(pieces[-1] if pieces else source.strip())
    return " + ".join(parts)


def parse_open_clip_run(results_file: str, text: str, params: RunParams | None, run_name: str,
                        samples_per_epoch: float | None = None) -> FilePart:
    """One open_clip run's ``results.jsonl`` (with its ``params.txt`` when there is one) as a file part.

    ``samples_per_epoch`` is used only when ``params`` gives no ``train_num_samples``."""
    run = " ".join(str(run_name).split()) or "open_clip run"
    if len(run) > MAX_NAME - 20:
        raise UploadError(results_file, f"run name longer than {MAX_NAME - 20} characters; shorten it")
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise UploadError(results_file, "no evaluation lines; open_clip appends one JSON object per evaluation")
    if len(lines) > MAX_ROWS:
        raise UploadError(results_file, f"more than {MAX_ROWS:,} lines; split it into several files")
    records = []
    no_imagenet: list[str] = []
    no_epoch: list[str] = []
    for n, line in lines:  # one JSON object per evaluation, at most a few hundred
        try:
            item = load_json(line)
        except (json.JSONDecodeError, DuplicateKeyError, RecursionError) as exc:
            raise UploadError(results_file, f"not a JSON object ({clean(exc, 80)}); each line of results.jsonl "
                                            "is one evaluation as open_clip wrote it", row=f"line {n}") from None
        if not isinstance(item, dict):
            raise UploadError(results_file, "not a JSON object; each line of results.jsonl is one evaluation "
                                            "such as {\"imagenet-zeroshot-val-top1\": 0.31, \"epoch\": 4, ...}", row=f"line {n}")
        for key in OPEN_CLIP_KEYS:
            v = item.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or not math.isfinite(v) or not 0 <= v <= 1):
                raise UploadError(results_file, f"{quote(v)} is not an accuracy; open_clip writes fractions "
                                                "between 0 and 1", row=f"line {n}", column=key, label="key")
        epoch = item.get("epoch")
        if epoch is not None and (isinstance(epoch, bool) or not isinstance(epoch, (int, float))
                                  or not math.isfinite(epoch) or epoch < 0 or epoch != int(epoch)):
            raise UploadError(results_file, f"epoch {quote(epoch)} is not a whole number of completed epochs",
                              row=f"line {n}", column="epoch", label="key")
        if item.get(IMAGENET_KEY) is None:
            no_imagenet.append(str(n))
            continue
        if epoch is None:
            no_epoch.append(str(n))
            continue
        records.append({"line": n, "epoch": int(epoch),
                        **{k: float(item[k]) if item.get(k) is not None else np.nan for k in OPEN_CLIP_KEYS}})
    notes: list[str] = []
    if no_imagenet:
        notes.append(f"{results_file}: {len(no_imagenet)} line(s) without {IMAGENET_KEY} (zero-shot ImageNet was "
                     f"not evaluated there) are not loaded: line(s) {short_list(no_imagenet)}")
    if no_epoch:
        notes.append(f"{results_file}: {len(no_epoch)} line(s) have no 'epoch' and are not loaded (open_clip writes "
                     "the epoch only when --val-data is evaluated; add \"epoch\": <completed epochs> to place them): "
                     f"line(s) {short_list(no_epoch)}")
    if not records:
        raise UploadError(results_file, "no evaluation line has both an ImageNet accuracy "
                                        f"({IMAGENET_KEY}) and an epoch" + (f"; {notes[-1]}" if notes else ""))
    frame = pd.DataFrame(records)
    dup = frame.duplicated("epoch", keep="last")
    if dup.any():
        again = frame.loc[frame["epoch"].isin(frame.loc[dup, "epoch"])]
        notes.append(f"{results_file}: epoch(s) {short_list(sorted(set(again['epoch'].astype(str))))} were evaluated "
                     "more than once (a resumed run appends); the last line of each is used")
        frame = frame[~dup]
    frame = frame.sort_values("epoch", kind="mergesort").reset_index(drop=True)
    per_epoch = params.train_num_samples if params is not None else None
    if per_epoch is None and samples_per_epoch is not None:
        if not (math.isfinite(samples_per_epoch) and samples_per_epoch > 0):
            raise UploadError(results_file, f"samples per epoch {quote(samples_per_epoch)} is not a positive number")
        per_epoch = samples_per_epoch
        notes.append(f"{results_file}: samples seen = epoch x {samples_per_epoch:,.0f} samples per epoch, as you gave it")
    elif per_epoch is None:
        why = (f"{PARAMS_FILE} is missing" if params is None else f"{PARAMS_FILE} says train_num_samples: None")
        notes.append(f"{results_file}: {why}, so samples seen are unknown (never guessed): give the samples per epoch "
                     "(open_clip's --train-num-samples) to place run "
                     f"{quote(run)} on the samples-seen axes; its checkpoints are ordered by epoch")
    samples = frame["epoch"].astype(float) * per_epoch if per_epoch is not None else pd.Series(np.nan, index=frame.index)
    epochs = ", ".join(frame["epoch"].astype(str))
    if per_epoch is not None:
        source = "params.txt's train_num_samples" if params is not None and params.train_num_samples else "as given"
        notes.append(f"{results_file}: run {quote(run)}: {len(frame)} checkpoint(s) after epoch(s) {epochs} at "
                     f"{', '.join(f'{v:,.0f}' for v in samples)} samples seen (epochs x {per_epoch:,.0f}, {source})")
    else:
        notes.append(f"{results_file}: run {quote(run)}: {len(frame)} checkpoint(s) after epoch(s) {epochs}")
    names = run + " epoch " + frame["epoch"].astype(str)
    place = "line " + frame["line"].astype(str)
    scores = pd.concat([pd.DataFrame({"name": names, "eval_set": key, "top1": frame[col], "file": results_file,
                                      "place": place}) for col, key in OPEN_CLIP_KEYS.items()], ignore_index=True)
    scores = scores[scores["top1"].notna()].reset_index(drop=True)
    p = params or RunParams(None, None, None, None, None, None, None)
    models = pd.DataFrame({
        "name": names, "architecture": p.model or "", "train_data": _data_label(p.train_data),
        "samples_seen": samples.to_numpy(), "params_m": np.nan,
        "batch_size": np.nan if p.batch_size is None else float(p.batch_size), "samples_from_tag": False,
        "series": run, "series_step": np.where(samples.notna(), samples, frame["epoch"].astype(float)),
        "category": ZERO_SHOT, "epochs": frame["epoch"].astype(float)})
    if p.pretrained:
        notes.append(f"{results_file}: run {quote(run)} started from pretrained weights {quote(p.pretrained)} "
                     "(params.txt); samples seen count this run's training only")
    return FilePart(results_file, scores, models, tuple(notes))


def parse_run_files(results: tuple[str, bytes], params: tuple[str, bytes] | None = None,
                    run_name: str | None = None, samples_per_epoch: float | None = None,
                    fallback_name: str | None = None) -> FilePart:
    """Decode and read one run from its files' (name, bytes): ``results.jsonl`` and optionally ``params.txt``.

    The run is named ``run_name``, else params.txt's ``name``, else ``fallback_name``, else the file's name."""
    file = clean(results[0]) or RESULTS_FILE
    text = decode(file, results[1])
    run_params = None
    if params is not None:
        pfile = clean(params[0]) or PARAMS_FILE
        run_params = read_params(pfile, decode(pfile, params[1]))
    name = (run_name or (run_params.name if run_params is not None else None) or fallback_name
            or re.sub(r"\.jsonl$", "", file))
    return parse_open_clip_run(file, text, run_params, name, samples_per_epoch)
