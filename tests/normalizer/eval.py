"""``make eval``: how well the normalizer reads both corpora (synthetic and real notices).

Prints part precision/recall, per-field precision/recall, the role confusion table and every
error, per case. ``--real`` or ``--synthetic`` limits the corpus.

    .venv/bin/python -m tests.normalizer.eval [--real | --synthetic]
"""

from __future__ import annotations

import argparse

from radar_normalizer.extract import read_notice
from tests.normalizer.corpus import load_cases
from tests.normalizer.scoring import Scores, score_case


def evaluate(*, synthetic: bool = True, real: bool = True) -> tuple[Scores, int]:
    """Scores over the chosen corpora, and how many cases they hold."""
    scores = Scores()
    cases = load_cases(synthetic=synthetic, real=real)
    for case in cases:
        score_case(case, read_notice(case.event), scores)
    return scores, len(cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--real", action="store_true", help="real notices only")
    group.add_argument("--synthetic", action="store_true", help="synthetic notices only")
    args = parser.parse_args()
    for label, synthetic, real in (
        ("synthetic", True, False),
        ("real", False, True),
        ("both", True, True),
    ):
        if (args.real and synthetic) or (args.synthetic and real):
            continue
        scores, count = evaluate(synthetic=synthetic, real=real)
        print(f"\n== {label} corpus: {count} cases")
        print(scores.table())
        if label != "both":
            print("\nroles (labelled \\ read):")
            print(scores.confusion_table())
            print("\nerrors:")
            print("\n".join(f"  {e}" for e in scores.errors) or "  none")


if __name__ == "__main__":
    main()
