"""The simulated-method-of-moments objective (Lee & Ingram 1991; McFadden 1989).

``J(theta) = d' W d`` with ``d = mean_r m_r(theta) - m*``: the mean over the R seeds (the same
seeds at every theta: common random numbers) of the simulated moments, minus the targets.

W comes from the moments' covariance across seeds ``S``, pooled over the trials of the first
batch (each trial contributes its R - 1 degrees of freedom around its own mean) and then fixed,
so that J is the same function for every later trial and on resume:

* ``diagonal`` (default): ``W = diag(1 / s_k^2)``; ``s_k`` is floored at ``floor * (|m*_k| +
  1e-6)`` so that a moment no seed moves cannot take unbounded weight;
* ``full``: ``W = S^-1`` on the floored covariance;
* ``auto``: full when it is well conditioned -- at least ``2 K`` pooled degrees of freedom for
  K moments and the condition number of the correlation matrix at most ``max_condition`` --
  else diagonal (the choice and the reason are recorded and reported).

Uncertainty (:func:`sandwich`): the asymptotic SMM covariance, treating the real moments as one
more draw of the model (their covariance is S, the R-seed mean's is S / R)::

    Var(theta) = (1 + 1/R) (G'WG)^-1 G'W S W G (G'WG)^-1

with G the Jacobian of the mean moments at the estimate (Gourieroux, Monfort & Renault 1993;
with W = S^-1 it reduces to (1 + 1/R) (G' S^-1 G)^-1). G is estimated (:func:`response`) by
the least-squares slope of each seed-mean moment on the parameter over the profile points
within ``diagnostics.jacobian_span`` (default 10% of the range: ``spec.JACOBIAN_SPAN``) of the
estimate: a simulator whose path is not smooth in its
parameters (a changed draw re-wires the network) makes a two-point difference mostly seed
noise divided by the step, which overstates G and understates the standard error. The slope's
own noise still inflates G'WG on average; :func:`sandwich` subtracts that part. The same fit
tests whether the moments respond to the parameter at all; a parameter whose response is
within the seed noise is reported as not identified (no standard error) and left out of the
sandwich.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from gpnlab.calibrate.spec import Weighting

IDENTIFIED_P = 0.05  # a parameter is identified when some moment responds at this level


@dataclass
class Weights:
    W: np.ndarray
    S: np.ndarray  # per-seed covariance of the moments (floored)
    kind: str  # "diagonal" | "full"
    reason: str
    dof: int


def pooled_covariance(per_seed: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """Covariance across seeds pooled over trials: each array is (R, K) of one trial."""
    K = per_seed[0].shape[1]
    acc = np.zeros((K, K))
    dof = 0
    for m in per_seed:
        m = m[np.isfinite(m).all(axis=1)]
        if len(m) < 2:
            continue
        c = m - m.mean(axis=0)
        acc += c.T @ c
        dof += len(m) - 1
    return (acc / dof if dof else acc), dof


def weights(per_seed: list[np.ndarray], targets: np.ndarray, cfg: Weighting) -> Weights:
    S, dof = pooled_covariance(per_seed)
    K = len(targets)
    floor = cfg.floor * (np.abs(targets) + 1e-6)
    sd = np.sqrt(np.maximum(np.diag(S), 0.0))
    sd_f = np.maximum(sd, floor)
    # the floored covariance: the same correlations, floored standard deviations
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(np.outer(sd, sd) > 0, S / np.outer(sd, sd), 0.0)
    np.fill_diagonal(corr, 1.0)
    S_f = corr * np.outer(sd_f, sd_f)
    kind, reason = "diagonal", "diagonal weighting (the default)"
    if cfg.kind in ("full", "auto"):
        cond = float(np.linalg.cond(corr)) if K > 1 else 1.0
        if cfg.kind == "full":
            kind, reason = "full", f"full weighting as asked (correlation condition {cond:.3g})"
        elif dof >= 2 * K and cond <= cfg.max_condition:
            kind = "full"
            reason = (
                f"full: {dof} pooled degrees of freedom >= 2 x {K} moments and the correlation "
                f"matrix's condition number {cond:.3g} <= {cfg.max_condition:g}"
            )
        else:
            reason = (
                f"diagonal: the full covariance is not well conditioned ({dof} pooled degrees "
                f"of freedom for {K} moments, correlation condition number {cond:.3g}; full "
                f"needs >= {2 * K} and <= {cfg.max_condition:g})"
            )
    if kind == "full":
        W = np.linalg.pinv(S_f)
        W = (W + W.T) / 2
    else:
        W = np.diag(1.0 / sd_f**2)
    return Weights(W, S_f, kind, reason, dof)


def objective(mean_moments: np.ndarray, targets: np.ndarray, W: np.ndarray) -> float:
    """J = d' W d (inf where a moment is undefined)."""
    d = mean_moments - targets
    if not np.isfinite(d).all():
        return float("inf")
    return float(d @ W @ d)


def informative(
    G: np.ndarray, W: np.ndarray, S: np.ndarray, g_noise: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    """Those of the parameters ``idx`` whose information ``(G'WG)_jj``, net of its slope's
    noise ``g_noise[j] tr(WS)`` (:func:`sandwich`), is positive. One that some moment responds
    to (:func:`response`) but no more than that noise adds nothing to the others' precision;
    left in the sandwich, it makes the corrected G'WG indefinite and takes every standard error
    away. The caller holds it at its estimate, like a parameter that is not identified."""
    net = np.einsum("kj,kl,lj->j", G, W, G) - g_noise * np.trace(W @ S)
    return idx[net[idx] > 0]


def sandwich(
    G: np.ndarray, W: np.ndarray, S: np.ndarray, R: int, g_noise: np.ndarray | None = None
) -> np.ndarray:
    """Asymptotic covariance of the SMM estimate (see the module docstring); NaN where G'WG
    is singular (a parameter the moments do not identify).

    ``g_noise[j]``: G's column j is an estimate with noise covariance ``g_noise[j] S`` (a
    least-squares slope over points whose means have covariance S / R: ``1 / (R Sxx_j)``,
    :func:`response`). Noise adds ``g_noise[j] tr(W S)`` to ``(G'WG)_jj`` on average, so a
    noisy G makes a parameter look better identified than it is; that term is subtracted
    (independent noise across columns: the off-diagonal terms are unbiased), and NaN is
    returned where the corrected G'WG is not positive definite. The middle term G'WSWG is
    left as it is: its correction, ``g_noise[j] tr(WSWS)``, rests on the moments'
    correlations from a few pooled degrees of freedom and can take it below zero (on the
    recovery test's world it halved the standard error). Leaving it makes the correction
    conservative: the standard error only grows."""
    A = G.T @ W @ G
    B = G.T @ W @ S @ W @ G
    if g_noise is not None:
        A = A - np.diag(g_noise * np.trace(W @ S))
        if not np.all(np.linalg.eigvalsh((A + A.T) / 2) > 0):
            return np.full(A.shape, np.nan)
    try:
        Ai = np.linalg.inv(A)
    except np.linalg.LinAlgError:
        return np.full(A.shape, np.nan)
    if not np.isfinite(Ai).all() or np.linalg.cond(A) > 1e12:
        return np.full(A.shape, np.nan)
    return (1 + 1 / R) * Ai @ B @ Ai


def response(
    x: np.ndarray, y: np.ndarray, S: np.ndarray, R: int
) -> tuple[np.ndarray, float, float]:
    """Least-squares slope ``b_k`` of each seed-mean moment ``y[:, k]`` on one parameter's values
    ``x`` (the profile points near the estimate and the estimate itself), and the p-value of
    "no moment responds": each ``t_k = b_k / sqrt(S_kk / (R Sxx))`` (the point means'
    noise is ``S / R``; common seeds across points only lower it, so the test is
    conservative), two-sided normal p-values, Bonferroni over the moments (valid whatever their
    correlation): ``p = min(1, K min_k p_k)``. Moments undefined at some point get slope 0
    and no vote. Returns (b, p, 1 / (R Sxx)): the slopes' noise covariance is the last times S
    (:func:`sandwich`); p is NaN when the points do not vary the parameter."""
    xc = x - x.mean()
    sxx = float(xc @ xc)
    K = y.shape[1]
    ok = np.isfinite(y).all(axis=0)
    b = np.zeros(K)
    if sxx <= 0:
        return b, float("nan"), float("inf")
    b[ok] = xc @ (y[:, ok] - y[:, ok].mean(axis=0)) / sxx
    sd = np.sqrt(np.maximum(np.diag(S), 0.0) / (R * sxx))
    vote = ok & (sd > 0)
    if not vote.any():
        return b, float("nan"), 1 / (R * sxx)
    p_k = 2 * norm.sf(np.abs(b[vote]) / sd[vote])
    return b, float(min(1.0, vote.sum() * p_k.min())), 1 / (R * sxx)
