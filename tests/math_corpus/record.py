"""Records verdicts in the math corpus, on purpose and with the flips listed.

    PYTHONPATH=. python tests/math_corpus/record.py rlvr            # rlvr_verdicts.json: lenient's verdict per row
    PYTHONPATH=. python tests/math_corpus/record.py math-verify FILE  # FILE's `math_verify` field, run live

`rlvr_verdicts.json` is the per-row gate of `tests/test_math_corpus.py`: a change to the math
verifier that flips any row's verdict fails that test until this command records the new
verdicts; it prints every flip (wrong -> right, right -> wrong), for the commit message.
Rows are keyed by a hash of what is judged (gold, completion, question), so that reordering or
adding rows flips nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from math_data import (  # noqa: E402
    GATED_FILES,
    VERDICTS_FILE,
    LabelledCase,
    agrees,
    lenient_verdicts,
    load_labelled,
    math_verify_verdict,
    row_key,
)


def record_rlvr() -> None:
    cases = [case for path in GATED_FILES for case in load_labelled(path)]
    verdicts = lenient_verdicts(cases)
    stored = json.loads(VERDICTS_FILE.read_text()) if VERDICTS_FILE.exists() else {}
    new = {row_key(case): verdict for case, verdict in zip(cases, verdicts)}
    for case, verdict in zip(cases, verdicts):
        old = stored.get(row_key(case))
        if old is not None and old != verdict:
            direction = "wrong -> right" if agrees(verdict, case.label) else "right -> wrong"
            print(
                f"flip {direction} ({old} -> {verdict}): {case.source} / {case.case}: gold {case.gold[:40]!r}, "
                f"completion ...{case.completion[-60:]!r}"
            )
    VERDICTS_FILE.write_text(json.dumps(dict(sorted(new.items())), indent=0) + "\n")
    right = sum(agrees(verdict, case.label) for case, verdict in zip(cases, verdicts))
    print(
        f"recorded the verdicts of {len(cases)} rows ({len(new)} distinct; {right} rows agree with the labels)"
        f" in {VERDICTS_FILE.name}"
    )


def record_math_verify(path: Path) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            case = LabelledCase(row["source"], row["case"], row["gold"], row["completion"], row["label"])
            row["math_verify"] = math_verify_verdict(case)
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["rlvr"]:
        record_rlvr()
    elif sys.argv[1:2] == ["math-verify"] and len(sys.argv) == 3:
        record_math_verify(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
