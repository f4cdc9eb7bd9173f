"""Registry of published figures that effrob reproduces live: one small entry per figure.

Each :class:`PublishedFigure` names the figure (title, citation, one sentence), the live view that
reproduces it (a page of the app and its query string, so a plain link opens it with every control
set), what the live view still lacks compared with the original, and the numbers the paper or its
code prints, each with the function that recomputes it from the results through the same code path
as the pages (:func:`effrob_core.robustness.analyse_shift`, :func:`effrob_core.scaling.fit_series`,
:func:`effrob_core.robustness.set_accuracy`). :func:`compare` lays the two side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from .figures.er_scatter import paired_effective_robustness, pearson_r
from .results import Results
from .robustness import analyse_shift, set_accuracy
from .scaling import fit_series
from .scaling_points import scaling_points


@dataclass(frozen=True)
class PublishedNumber:
    """One number a figure's paper or code prints (``published``; None where it prints none) and how
    effrob recomputes it (``how``, and ``compute`` on the results: a fraction or a coefficient)."""

    label: str
    published: float | None
    decimals: int
    source: str
    how: str
    compute: Callable[[Results], float]
    percent: bool = False  # shown ×100 (an accuracy or effective robustness)


@dataclass(frozen=True)
class PublishedFigure:
    """A published figure and the live view that reproduces it."""

    key: str
    title: str
    citation: str
    summary: str
    page: str  # url_path of the page ("" for the landing page)
    query: tuple[tuple[str, str], ...] = ()
    numbers: tuple[PublishedNumber, ...] = ()
    differences: str = ""  # what the live view does not (yet) show as the original does
    original: str = ""  # where the original figure is

    def link(self) -> str:
        """Path and query string of the live view, e.g. ``/shift_panels?x=full``."""
        path = "/" + self.page
        return path + ("?" + urlencode(self.query) if self.query else "")


# --- recomputation helpers (each one code path of the app) -------------------------------------------

def _fit(shift: str, attr: str, **kwargs: object) -> Callable[[Results], float]:
    """A coefficient of the baseline fit of a view (as the Effective robustness page fits it; the piece
    fit on most models where the baseline has pieces)."""
    def compute(results: Results) -> float:
        line = analyse_shift(results, shift, n_resamples=1, **kwargs).fit  # type: ignore[arg-type]
        return float(getattr(line.reference, attr))
    return compute


def _er(shift: str, model_id: str, **kwargs: object) -> Callable[[Results], float]:
    """One model's effective robustness in a view."""
    def compute(results: Results) -> float:
        pts = analyse_shift(results, shift, n_resamples=1, **kwargs).points  # type: ignore[arg-type]
        row = pts[pts["model_id"] == model_id]
        if row.empty:
            raise ValueError(f"{model_id} is not in the {shift} view")
        return float(row["eff_rob"].iloc[0])
    return compute


def _accuracy(eval_set: str, model_id: str) -> Callable[[Results], float]:
    """One model's top-1 on a set (an aggregate such as ``average`` is computed as the pages do)."""
    def compute(results: Results) -> float:
        values, _, _ = set_accuracy(results, eval_set)
        where = np.flatnonzero(results.models["model_id"].to_numpy() == model_id)
        if not len(where):
            raise ValueError(f"no model {model_id}")
        return float(values[where[0]])
    return compute


def _scaling(eval_set: str, x_kind: str, series: str, attr: str) -> Callable[[Results], float]:
    """A coefficient of one of Cherti et al.'s series fits (as the Scaling page fits it)."""
    def compute(results: Results) -> float:
        pts, _ = scaling_points(results, eval_set, x_kind)  # type: ignore[arg-type]
        return float(getattr(fit_series(pts, series).fit, attr))
    return compute


def _er_correlation(x_shift: str, y_shift: str, groups: tuple[str, ...], fit_range: tuple[float, float]
                    ) -> Callable[[Results], float]:
    """Pearson r of two shifts' effective robustness over the models of some groups (the ER against ER page)."""
    def compute(results: Results) -> float:
        ax = analyse_shift(results, x_shift, fit_range=fit_range, n_resamples=1)
        ay = analyse_shift(results, y_shift, fit_range=fit_range, n_resamples=1)
        pairs = paired_effective_robustness(ax, ay)
        return pearson_r(pairs[pairs["group"].isin(groups)])
    return compute


TAORI = "Taori et al., Measuring Robustness to Natural Distribution Shifts in Image Classification, NeurIPS 2020"
OPENCLIP = "Ilharco et al., OpenCLIP (2021), mlfoundations/open_clip"
NOT_PRINTED = "not printed (figure only)"
NON_STANDARD = ("Robustness intervention", "Trained with more data", "Zero-shot image-text")

FIGURES: dict[str, PublishedFigure] = {f.key: f for f in (
    PublishedFigure(
        "seed-er", "Effective robustness on ImageNetV2 (OpenCLIP's figure)", OPENCLIP,
        "ImageNet against ImageNetV2 on logit axes from 5% to 87%: the testbed's models on the red line, OpenAI "
        "CLIP and the small RN50s trained on YFCC-15M subsets well above it, near y = x.",
        "", (("sources", "testbed,openclip,openclip-lowacc"), ("baseline", "testbed-lowacc"), ("xr", "5,87"),
             ("yr", "5,87")),
        numbers=(
            PublishedNumber("baseline slope (logit; standard + low-accuracy CNNs)", None, 4, NOT_PRINTED,
                            "analyse_shift(imagenetv2, baseline=testbed-lowacc).fit.slope",
                            _fit("imagenetv2", "slope", baseline="testbed-lowacc")),
            PublishedNumber("ER of RN50 on all of YFCC-15M (the figure's 14.7M point) on ImageNetV2", None, 2,
                            NOT_PRINTED, "analyse_shift(imagenetv2) eff_rob of openclip:RN50-quickgelu/yfcc15m (the "
                            "same checkpoint as the figure's point, as open_clip measured it)",
                            _er("imagenetv2", "openclip:RN50-quickgelu/yfcc15m"), percent=True),
        ),
        differences="The red line is fit on the testbed's standard models and its low-accuracy CNNs (the original's "
                    "line runs through them, solid from 5%); the purple line on OpenAI's CLIP models, as in the "
                    "original (dashed where it extends beyond their ImageNet range, which the original does not mark), "
                    "original, but every other open_clip "
                    "zero-shot model (LAION, DataComp...) is drawn too, as a star; the original's 'Lp adversarially "
                    "robust' and per-model-type colours are one 'Robustness intervention' / 'Low accuracy & "
                    "reference' group here, and the RN50 / YFCC-15M points are read from the original (±0.3 points).",
        original="mlfoundations/open_clip docs/effective_robustness.png"),
    PublishedFigure(
        "seed-scaling", "Scaling trends for zero-shot models (OpenCLIP's figure)", OPENCLIP,
        "Zero-shot top-1 of RN50 on ImageNet and ImageNetV2 rises steadily with the number of YFCC images, far from "
        "saturated at 15M.",
        "scaling", (("y", "accuracy"), ("sources", "openclip-lowacc"), ("fit", "0"), ("sets", "imagenet,imagenetv2")),
        differences="The two-set chart is the Scaling page's 'Several evaluation sets on one chart' section (below "
                    "the main chart). The five points are read from the original figure (±0.3 points), so this is a "
                    "redrawing of the same numbers, not an independent measurement; y is in percent.",
        original="mlfoundations/open_clip docs/scaling.png"),
    PublishedFigure(
        "taori-natural", "Natural distribution shifts (Taori et al.)", TAORI,
        "Six natural shifts side by side: each baseline is a line in logit space, and almost no intervention "
        "lifts a model above it, except training on more data.",
        "shift_panels", (),
        numbers=(
            PublishedNumber("ImageNet-Sketch baseline slope (logit)", 1.0709, 4,
                            "the testbed's rule (DATA.md reference; plotting/ of modestyachts/imagenet-testbed)",
                            "analyse_shift(imagenet-sketch, baseline=testbed).fit.slope", _fit("imagenet-sketch", "slope")),
            PublishedNumber("ImageNet-Sketch baseline intercept", -2.3701, 4, "the same",
                            "analyse_shift(imagenet-sketch).fit.intercept", _fit("imagenet-sketch", "intercept")),
            PublishedNumber("models in that fit", 85, 0, "the same", "analyse_shift(imagenet-sketch).fit.n",
                            _fit("imagenet-sketch", "n")),
        ),
        differences="The class-matched x-axis is used for ImageNet-R, ObjectNet and the two video sets, as Taori et al. "
                    "plot them; all models are shown (the paper's panels show ImageNet top-1 from about 55%).",
        original="Taori et al. (2020), the natural-shift panels (plotting/paper_*.py of modestyachts/imagenet-testbed)"),
    PublishedFigure(
        "taori-imagenet-a", "ImageNet-A (Taori et al., appendix)", TAORI,
        "ImageNet-A against class-matched ImageNet: built from images a ResNet-50 gets wrong, so the trend bends "
        "at the ResNet-50's accuracy.",
        "", (("shift", "imagenet-a"), ("x", "matched")),
        differences="Two lines are fit, split at the ImageNet accuracy of the zero-accuracy ResNet-50, as the "
                    "testbed does (paper_imagenet_a.py, format_eff_robust); the testbed's figure shows only models "
                    "with at least 75% on the x-axis, while this view shows all of them (zoom with the axis ranges).",
        original="Taori et al. (2020), ImageNet-A figure (plotting/paper_imagenet_a.py)"),
    PublishedFigure(
        "taori-synthetic", "Synthetic against natural effective robustness (Taori et al.)", TAORI,
        "Effective robustness under the averaged corruptions against effective robustness on ImageNetV2, per "
        "non-standard model: robustness to synthetic shifts does not predict robustness to natural ones.",
        "er_vs_er", (),
        numbers=(
            PublishedNumber("Pearson r of the two ERs (non-standard models)", None, 2, NOT_PRINTED,
                            "paired effective robustness of analyse_shift(corruptions-averaged) and "
                            "analyse_shift(imagenetv2), both fit on standard models with ImageNet top-1 >= 55%",
                            _er_correlation("corruptions-averaged", "imagenetv2", NON_STANDARD, (0.55, 1.0))),
        ),
        differences="", original="Taori et al. (2020), plotting/paper_eff_robust_corruptions.py (eff_robust_corruptions.pdf)"),
    PublishedFigure(
        "radford-fig13", "Zero-shot CLIP against ImageNet models (Radford et al., Fig. 13)",
        "Radford et al., Learning Transferable Visual Models From Natural Language Supervision, ICML 2021",
        "ImageNet top-1 against the mean top-1 over natural shifts: zero-shot CLIP models lie far above the line of "
        "ImageNet-trained models.",
        "", (("shift", "average"), ("sources", "testbed,openclip")),
        numbers=(
            PublishedNumber("ER of OpenAI ViT-L/14@336px on the 5-shift average", None, 2, NOT_PRINTED,
                            "analyse_shift(average) eff_rob of openclip:ViT-L-14-336/openai",
                            _er("average", "openclip:ViT-L-14-336/openai"), percent=True),
        ),
        differences="The y-axis is the mean of 5 shifts (ImageNetV2, -Sketch, -R, -A, ObjectNet); Radford et al. "
                    "average 7, adding ImageNet-Vid and YouTube-BB, which no CLIP source here evaluates. The CLIP "
                    "accuracies are open_clip's re-evaluation, not the paper's.",
        original="Radford et al. (2021), Figure 13"),
    PublishedFigure(
        "miller-probit", "Accuracy on the line, probit axes (Miller et al.)",
        "Miller et al., Accuracy on the Line: On the Strong Correlation Between Out-of-Distribution and "
        "In-Distribution Generalization, ICML 2021",
        "ImageNet against ImageNetV2 on probit axes: in- and out-of-distribution accuracy lie on one line.",
        "", (("scale", "probit"), ("sources", "testbed,timm")),
        numbers=(
            PublishedNumber("probit baseline slope", None, 4, NOT_PRINTED,
                            "analyse_shift(imagenetv2, transform=probit).fit.slope",
                            _fit("imagenetv2", "slope", transform="probit")),
            PublishedNumber("probit r", None, 4, NOT_PRINTED, "analyse_shift(imagenetv2, transform=probit).fit.r",
                            _fit("imagenetv2", "r", transform="probit")),
        ),
        original="Miller et al. (2021); millerjohnp/linearfits_app"),
    PublishedFigure(
        "fang-data", "Data determines distributional robustness (Fang et al.)",
        "Fang et al., Data Determines Distributional Robustness in Contrastive Language Image Pre-training (CLIP), "
        "ICML 2022",
        "Zero-shot models trained on different data (OpenAI WIT, LAION, YFCC, CC12M...) sit on different lines "
        "above the ImageNet baseline.",
        "", (("shift", "average"), ("sources", "testbed,openclip"), ("zsline", "data")),
        differences="Lines are drawn for every training-data group with enough models shown (the page's 'One per "
                    "training data' choice); Fang et al. use their own CLIP runs and a 5-shift average that includes "
                    "ImageNet-Vid/YTBB in places, so the lines here are fit on open_clip's pretrained models.",
        original="Fang et al. (2022), the effective-robustness figure with one line per training distribution"),
    PublishedFigure(
        "cherti-compute", "Compute scaling, LAION pooled against OpenAI (Cherti et al.)",
        "Cherti et al., Reproducible scaling laws for contrastive language-image learning, CVPR 2023",
        "ImageNet zero-shot error falls as a power law of training compute; OpenCLIP's LAION models (pooled, "
        "binned) and OpenAI's follow different laws.",
        "scaling", (("x", "compute"), ("fits", "laion-pooled,openai"), ("sources", "scaling-laws")),
        numbers=(
            PublishedNumber("LAION pooled A", 5.86, 2, "scaling-laws-openclip figures.ipynb (E = 5.86 C^-0.11)",
                            "fit_series(scaling_points(imagenet, compute), laion-pooled).fit.a",
                            _scaling("imagenet", "compute", "laion-pooled", "a")),
            PublishedNumber("LAION pooled alpha", -0.11, 2, "the same",
                            "fit_series(..., laion-pooled).fit.alpha", _scaling("imagenet", "compute", "laion-pooled", "alpha")),
            PublishedNumber("OpenAI A", 23.18, 2, "the same (E = 23.18 C^-0.16)",
                            "fit_series(scaling_points(imagenet, compute), openai).fit.a",
                            _scaling("imagenet", "compute", "openai", "a")),
            PublishedNumber("OpenAI alpha", -0.16, 2, "the same", "fit_series(..., openai).fit.alpha",
                            _scaling("imagenet", "compute", "openai", "alpha")),
        ),
        original="Cherti et al. (2023), the ImageNet compute-scaling figure (LAION-AI/scaling-laws-openclip figures.ipynb)"),
    PublishedFigure(
        "model-soups", "Fine-tuning and weight averaging (Wortsman et al., model soups)",
        "Wortsman et al., Model soups: averaging weights of multiple fine-tuned models improves accuracy without "
        "increasing inference time, ICML 2022",
        "ImageNet against the mean of five shifts for 72 fine-tuned CLIP ViT-B/32 models and their soups: the greedy "
        "soup beats every ingredient on both.",
        "", (("shift", "average"), ("sources", "model-soups,testbed"), ("search", "soup")),
        numbers=(
            PublishedNumber("greedy soup, ImageNet top-1", 0.81026, 2, "mlfoundations/model-soups greedy_soup_results.jsonl",
                            "set_accuracy(imagenet) of model-soups:greedy_soup", _accuracy("imagenet", "model-soups:greedy_soup"),
                            percent=True),
            PublishedNumber("greedy soup, mean of the 5 shifts", 0.5086346, 2,
                            "the same file: mean of ImageNetV2, -Sketch, -R, ObjectNet, -A (the authors' figure's y)",
                            "set_accuracy(average) of model-soups:greedy_soup", _accuracy("average", "model-soups:greedy_soup"),
                            percent=True),
        ),
        original="Wortsman et al. (2022), ImageNet against the mean of five shifts (mlfoundations/model-soups)"),
)}


@dataclass(frozen=True)
class Comparison:
    """The "published | effrob" table of one figure, and any number that could not be recomputed."""

    table: pd.DataFrame
    problems: list[str] = field(default_factory=list)


def compare(results: Results, figure: PublishedFigure) -> Comparison:
    """One row per printed number: what is published, what effrob computes now, and how."""
    rows, problems = [], []
    for n in figure.numbers:  # a few numbers
        scale = 100.0 if n.percent else 1.0
        try:
            value = n.compute(results) * scale
        except ValueError as exc:
            problems.append(f"{n.label}: {exc}")
            value = float("nan")
        published = None if n.published is None else n.published * scale
        fmt = f"{{:.{n.decimals}f}}"
        rows.append({
            "number": n.label + (" (%)" if n.percent else ""),
            "published": "–" if published is None else fmt.format(published),
            "effrob": "–" if value != value else fmt.format(value),
            "agrees": ("" if published is None or value != value
                       else ("yes" if fmt.format(published) == fmt.format(value) else "no")),
            "published in": n.source, "effrob computes": n.how,
        })
    columns = ["number", "published", "effrob", "agrees", "published in", "effrob computes"]
    return Comparison(pd.DataFrame(rows, columns=columns), problems)
