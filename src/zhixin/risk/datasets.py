"""Data sets the risk models are trained and checked on, shipped with the package (no network).

- :func:`german_credit`: the UCI Statlog German Credit data (1,000 loans, 30 % bad), CC BY 4.0;
  source, licence and caveats in ``data/GERMAN_CREDIT.md``. Outcome column ``default`` (1 = bad).
- :func:`synthetic_enterprises`: 演示数据 — a deterministic synthetic population with every
  feature of :data:`~zhixin.risk.features.FEATURES` and a default flag, generated from a latent
  "health" factor (numpy, vectorised; a million rows in about a second). For the demo model and
  the benchmark only: its relationships are made up, and a model trained on it says nothing
  about real enterprises.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from zhixin.risk.features import FEATURES

if TYPE_CHECKING:
    import pandas as pd

GERMAN_TARGET = "creditability"


def german_credit() -> pd.DataFrame:
    import pandas as pd

    path = resources.files("zhixin.risk") / "data" / "german_credit.csv"
    with resources.as_file(path) as p:
        frame = pd.read_csv(p)
    frame["default"] = (frame.pop(GERMAN_TARGET) == "bad").astype(np.int64)
    return frame


def frame_hash(frame: pd.DataFrame) -> str:
    """sha256 of a training table: its column names and pandas' per-row hashes, in order."""
    import pandas as pd

    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def synthetic_enterprises(n: int, seed: int = 20250630) -> dict[str, Any]:
    """Columns (numpy arrays) of ``n`` synthetic enterprises: every feature, NaN where a source
    is absent, and ``default`` (0/1, about 6 %). 演示数据."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)  # the latent health of the firm: higher is sounder

    def noisy(scale: float) -> np.ndarray:
        return rng.standard_normal(n) * scale

    def gone(share: float) -> np.ndarray:
        return rng.random(n) < share

    cols: dict[str, Any] = {}
    graded = rng.random(n) < 0.55 + 0.1 * np.tanh(z)
    rank = np.clip(np.round(2.2 - 0.7 * z + noisy(0.6)), 1, 3)
    cols["quality_class_rank"] = np.where(graded, rank, np.nan)
    score = np.clip(62 + 12 * z + noisy(8), 0, 100)
    cols["quality_total_score"] = np.where(graded, np.round(score, 1), np.nan)
    cols["quality_dimensions_graded"] = np.where(
        graded, np.clip(np.round(2.5 + z + noisy(1)), 0, 5), 0.0
    )
    cols["quality_elements_held"] = rng.poisson(np.exp(1.0 + 0.35 * z)).astype(float)
    cols["quality_gates_failed"] = (rng.random(n) < 1 / (1 + np.exp(3.5 + z))).astype(float)
    cols["years_established"] = np.round(rng.exponential(6, n) * np.exp(0.2 * z) + 0.5, 2)
    cols["invention_patents"] = rng.poisson(np.exp(0.3 + 0.5 * z)).astype(float)
    cols["zjtx_level"] = np.clip(np.floor(rng.random(n) * 1.3 + 0.25 * z), 0, 2)
    cols["hightech"] = (rng.random(n) < 1 / (1 + np.exp(1.5 - 0.8 * z))).astype(float)
    cols["standards_led"] = rng.poisson(np.exp(-1.5 + 0.6 * z)).astype(float)
    cols["quality_penalties_2y"] = rng.poisson(0.15 * np.exp(-0.6 * z)).astype(float)
    fin = ~gone(0.1)
    cols["debt_ratio"] = np.where(fin, np.clip(0.55 - 0.1 * z + noisy(0.15), 0.05, 1.6), np.nan)
    cols["current_ratio"] = np.where(fin, np.exp(0.25 + 0.25 * z + noisy(0.35)), np.nan)
    cols["net_margin"] = np.where(fin, 0.04 + 0.03 * z + noisy(0.04), np.nan)
    cols["roa"] = np.where(fin, 0.03 + 0.025 * z + noisy(0.03), np.nan)
    cols["revenue_growth"] = np.where(fin, 0.08 + 0.1 * z + noisy(0.2), np.nan)
    cols["rd_intensity"] = np.where(fin, np.clip(0.035 + 0.015 * z + noisy(0.02), 0, None), np.nan)
    inv = ~gone(0.3)
    cols["invoicing_growth"] = np.where(inv, 0.06 + 0.12 * z + noisy(0.25), np.nan)
    cols["invoicing_growth_q"] = np.where(inv, 100 * (0.06 + 0.12 * z + noisy(0.35)), np.nan)
    cols["invoicing_cv"] = np.where(inv, np.abs(0.45 - 0.12 * z + noisy(0.2)), np.nan)
    zero = np.clip(np.round(1.2 - 1.1 * z + noisy(1.2)), 0, 12)
    cols["invoicing_zero_months"] = np.where(inv, zero, np.nan)
    cols["tax_burden"] = np.where(inv, np.clip(0.03 + 0.008 * z + noisy(0.01), 0, None), np.nan)
    cash = ~gone(0.4)
    cols["inflow_cv"] = np.where(cash, np.abs(0.5 - 0.15 * z + noisy(0.2)), np.nan)
    active = np.clip(np.round(10.5 + 1.2 * z + noisy(1.2)), 0, 12) / 12
    cols["inflow_active_share"] = np.where(cash, active, np.nan)
    top = np.clip(0.4 - 0.1 * z + noisy(0.15), 0.02, 1)
    cols["top_counterparty_share"] = np.where(cash, top, np.nan)
    cols["counterparty_hhi"] = np.where(cash, np.clip(top**2 + 0.05 + noisy(0.03), 0, 1), np.nan)
    cols["seasonality"] = np.where(cash, np.clip(0.3 + 0.2 * z + noisy(0.3), -1, 1), np.nan)
    cols["net_inflow_ratio"] = np.where(cash, 0.05 + 0.05 * z + noisy(0.08), np.nan)
    cols["inflow_growth"] = np.where(cash, 0.05 + 0.1 * z + noisy(0.25), np.nan)
    assert set(cols) == set(FEATURES)
    logit = -3.1 - 1.0 * z + noisy(0.4)
    cols["default"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return cols
