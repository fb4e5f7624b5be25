"""Datasets: build them from the procedural corpus or import schematics; load, export, inspect.

One module per job: ``format`` (the folder layout and what every writer shares),
``build`` (the corpus), ``importer`` with ``captions`` and ``vocab`` (your own files),
``load``, ``export`` and ``stats``. Every function takes typed arguments and returns a
small result object with a ``to_text()`` summary, so a CLI command is one call;
``progress`` is ``True`` for a rich bar (on stderr), ``False`` for none, or a
callable ``(done, total)``.
"""

from sapling.training.dataset.build import BuildSummary, build_dataset
from sapling.training.dataset.captions import caption_from_filename, read_captions
from sapling.training.dataset.export import EXPORT_FORMATS, export_dataset
from sapling.training.dataset.format import DEFAULT_HOLDOUT, SPLITS
from sapling.training.dataset.importer import ImportSummary, import_dataset, structure_attributes
from sapling.training.dataset.load import BucketArrays, Dataset, DatasetItem, Entry, load_dataset
from sapling.training.dataset.stats import Stats, dataset_stats
from sapling.training.dataset.vocab import DEFAULT_MIN_COUNT

__all__ = [
    "DEFAULT_HOLDOUT", "DEFAULT_MIN_COUNT", "EXPORT_FORMATS", "SPLITS", "BucketArrays", "BuildSummary", "Dataset",
    "DatasetItem", "Entry", "ImportSummary", "Stats", "build_dataset", "caption_from_filename", "dataset_stats",
    "export_dataset", "import_dataset", "load_dataset", "read_captions", "structure_attributes",
]
