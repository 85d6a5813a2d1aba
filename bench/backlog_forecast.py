"""Benchmark: the backlog forecast of issue 15 (R10.3) learnt from the demo's history.

Not a test. On a throw-away database (bench/throwaway.py), `tousu demo --complaints N` loads a
history; the training of the daily job (`early_warning.services.backlog_model_train`) runs on
it. Printed: the training rows, the time taken, the calibration tables on the newest 20 % of
the history (predicted vs observed share of breaches per decile) of the model without and with
its calibration step (both fitted on the older 80 %, the step learnt on out-of-time scores
within it: tousu/early_warning/forecast.py), their expected calibration error, and their Brier
scores beside that of always saying the base rate.

    .venv/bin/python bench/backlog_forecast.py --complaints 3000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=3000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.throwaway import django_on_throwaway_database

    with django_on_throwaway_database(args.database_url):
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("demo", complaints=args.complaints, seed=args.seed, verbosity=0)
        print(f"demo with {args.complaints:,} complaints: {time.perf_counter() - started:.0f} s")
        from tousu.early_warning.services import backlog_model_train

        started = time.perf_counter()
        model = backlog_model_train()
        elapsed = time.perf_counter() - started
        if model is None:
            print("nothing to learn (no breach, or no on-time complaint, in the history)")
            return 1
        print(f"training: {model.rows:,} snapshot rows in {elapsed:.1f} s; "
              f"base rate {model.base_rate:.3f}")  # fmt: skip
        # The evaluation again, for the uncalibrated figures the stored row does not keep.
        from tousu.core import clock
        from tousu.early_warning import forecast, selectors

        history, loads = selectors.forecast_history(clock.now())
        fit = forecast.train(forecast.snapshots(history, loads))
        assert fit is not None
        print(f"calibration step: {len(fit.model.calibration)} points (stored model)")
        tables = (("uncalibrated", fit.raw_calibration, fit.raw_brier),
                  ("calibrated", fit.calibration, fit.brier))  # fmt: skip
        for name, table, score in tables:
            print(f"holdout (newest 20 %), {name}: predicted   observed       n")
            for row in table:
                print(f"  [{row['low']:.1f}, {row['high']:.1f})      {row['predicted']:.3f}"
                      f"      {row['observed']:.3f}  {row['n']:6d}")  # fmt: skip
            print(f"  Brier {score:.4f}   calibration error "
                  f"{forecast.calibration_error(table):.4f}")  # fmt: skip
        print(f"base rate alone: Brier {fit.base_brier:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
