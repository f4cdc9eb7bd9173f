"""Reading a researcher's own evaluation results into the same tables as the published ones.

Three formats are read: the documented template CSV (one row per model, one column per evaluation
set; :mod:`.template`), CLIP_benchmark's per-run JSON files and the CSV that ``clip_benchmark build``
writes (:mod:`.clip_benchmark`), and open_clip's training logs, one model per evaluation of a run
(:mod:`.open_clip_logs`). The result (:mod:`.merge`) is a validated
:class:`~effrob_core.results.Results` whose models have ids ``upload:<name>``, source ``upload`` and
group "Your models", plus notes on how the files were interpreted. Every problem raises one
:class:`UploadError` (:mod:`.errors`) whose message names the file, row and column and says what to
fix. Pure functions: nothing is written anywhere.
"""

from .clip_benchmark import CLIP_KEYS, CLIP_TASKS
from .errors import MAX_BYTES, MAX_NAME, MAX_ROWS, UploadError
from .eval_sets import EVAL_SET_ALIASES, USABLE_SETS, accepted_columns, eval_set_for
from .merge import ID_PREFIX, Upload, merge_uploads, parse_file, parse_files, parse_files_lenient, parse_run
from .open_clip_logs import OPEN_CLIP_KEYS, RunParams, read_params
from .part import FilePart
from .template import MODEL_NAME_COLUMNS, NUMBER_COLUMNS, OPTIONAL_COLUMNS, TEXT_COLUMNS, template_csv

__all__ = [
    "CLIP_KEYS", "CLIP_TASKS", "EVAL_SET_ALIASES", "ID_PREFIX", "MAX_BYTES", "MAX_NAME", "MAX_ROWS",
    "MODEL_NAME_COLUMNS", "NUMBER_COLUMNS", "OPTIONAL_COLUMNS", "TEXT_COLUMNS", "USABLE_SETS", "FilePart",
    "Upload", "UploadError", "accepted_columns", "eval_set_for", "merge_uploads", "parse_file", "parse_files",
    "parse_files_lenient", "template_csv", "parse_run", "OPEN_CLIP_KEYS", "RunParams", "read_params",
]
