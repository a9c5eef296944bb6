"""Rebuild rlvr's copy of NLTK's English averaged-perceptron tagger model.

Input: the folder of NLTK's `averaged_perceptron_tagger_eng` data package (what
`nltk.download("averaged_perceptron_tagger_eng")` unpacks: `*.weights.json`, `*.tagdict.json`,
`*.classes.json`). Output: `rlvr/ifeval_checks/data/averaged_perceptron_tagger_eng.json.gz`, one
JSON object {"weights", "tagdict", "classes"} with the weights in the package's own order (the
order in which NLTK sums them, so that scores agree to the last bit). The two big files are
checked against the sha256 of the published package, so a different model is refused.

    python scripts/build_perceptron_weights.py PATH/TO/averaged_perceptron_tagger_eng
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

NAME = "averaged_perceptron_tagger_eng"
# sha256 of the files in NLTK's package (zip sha256 6025f530...0f0b, 1,539,115 bytes).
EXPECTED = {
    "weights": "789e8e35f6fac656d9b7eccea29ba4e8a137cbb5b525dd31f39e4291a9e80832",
    "tagdict": "4c713731cb06727736962bc8cd94ad919217a040e76691059af99bc0c2c9c246",
}
OUTPUT = Path(__file__).resolve().parent.parent / "rlvr" / "ifeval_checks" / "data" / f"{NAME}.json.gz"


def read_part(folder: Path, part: str) -> object:
    raw = (folder / f"{NAME}.{part}.json").read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if part in EXPECTED and digest != EXPECTED[part]:
        raise SystemExit(f"{NAME}.{part}.json has sha256 {digest}, not NLTK's {EXPECTED[part]}")
    return json.loads(raw)


def main(folder: Path) -> None:
    model = {
        "weights": read_part(folder, "weights"),
        "tagdict": read_part(folder, "tagdict"),
        # NLTK keeps the classes in a set; sorted here so that the file is reproducible.
        "classes": sorted(read_part(folder, "classes")),  # type: ignore[call-overload]
    }
    text = json.dumps(model, separators=(",", ":")).encode()
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
