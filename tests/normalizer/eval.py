"""``make eval``: how well the normalizer reads the corpora (synthetic, real and holdout notices).

Prints part precision/recall, per-field precision/recall, the role confusion table and every
error, per corpus: the synthetic and real development corpora (and both together), then the
holdout of real notices kept apart from rule work. ``--real``, ``--synthetic`` or ``--holdout``
limits the output to one corpus.

    .venv/bin/python -m tests.normalizer.eval [--real | --synthetic | --holdout]
"""

from __future__ import annotations

import argparse

from radar_normalizer.extract import read_notice
from tests.normalizer.corpus import load_cases
from tests.normalizer.scoring import Scores, score_case


def evaluate(
    *, synthetic: bool = True, real: bool = True, holdout: bool = False
) -> tuple[Scores, int]:
    """Scores over the chosen corpora, and how many cases they hold."""
    scores = Scores()
    cases = load_cases(synthetic=synthetic, real=real, holdout=holdout)
    for case in cases:
        score_case(case, read_notice(case.event), scores)
    return scores, len(cases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--real", action="store_true", help="real notices only")
    group.add_argument("--synthetic", action="store_true", help="synthetic notices only")
    group.add_argument("--holdout", action="store_true", help="holdout notices only")
    args = parser.parse_args()
    only = {"real": args.real, "synthetic": args.synthetic, "holdout": args.holdout}
    chosen = [name for name, on in only.items() if on]
    for label, synthetic, real, holdout in (
        ("synthetic", True, False, False),
        ("real", False, True, False),
        ("both", True, True, False),
        ("holdout", False, False, True),
    ):
        if chosen and label not in chosen:
            continue
        scores, count = evaluate(synthetic=synthetic, real=real, holdout=holdout)
        print(f"\n== {label} corpus: {count} cases")
        print(scores.table())
        if label != "both":
            print("\nroles (labelled \\ read):")
            print(scores.confusion_table())
            print("\nerrors:")
            print("\n".join(f"  {e}" for e in scores.errors) or "  none")


if __name__ == "__main__":
    main()
