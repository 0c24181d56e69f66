"""The Jacobian fit, the response test and the noise correction of the sandwich
(gpnlab.calibrate.objective), checked by Monte Carlo against what they claim."""

from __future__ import annotations

import numpy as np

from gpnlab.calibrate.objective import IDENTIFIED_P, informative, response, sandwich

X = np.array([0.8, 0.9, 1.0, 1.1, 1.2])  # a profile: the estimate and four offsets
K, R = 6, 4
rho = 0.6
S = 0.01 * (rho * np.ones((K, K)) + (1 - rho) * np.eye(K))  # correlated moments
CHOL = np.linalg.cholesky(S / R)


def point_means(rng: np.random.Generator, beta: np.ndarray) -> np.ndarray:
    """Seed means at the profile points: a linear response plus noise of covariance S / R."""
    return X[:, None] * beta[None, :] + (CHOL @ rng.standard_normal((K, X.size))).T


def test_response_recovers_a_linear_slope_and_calls_it_identified() -> None:
    rng = np.random.default_rng(0)
    beta = np.array([0.5, -0.3, 0.0, 0.2, 0.0, 0.1])
    b, p, noise = response(X, point_means(rng, beta), S, R)
    se = np.sqrt(noise * np.diag(S))
    assert np.all(np.abs(b - beta) < 4 * se)
    assert p < IDENTIFIED_P


def test_response_test_has_its_size_when_nothing_responds() -> None:
    rng = np.random.default_rng(1)
    ps = np.array([response(X, point_means(rng, np.zeros(K)), S, R)[1] for _ in range(2000)])
    # Bonferroni is conservative: at most the nominal share of false "identified"
    assert np.mean(ps < IDENTIFIED_P) <= IDENTIFIED_P + 0.01


def test_response_skips_moments_undefined_at_some_point() -> None:
    rng = np.random.default_rng(2)
    y = point_means(rng, np.full(K, 0.4))
    y[1, 3] = np.nan
    b, p, _ = response(X, y, S, R)
    assert b[3] == 0.0 and np.isfinite(b).all() and p < IDENTIFIED_P


def test_the_noise_correction_removes_the_bias_of_the_information() -> None:
    """G'WG from a noisy slope overstates the information on average; with the correction its
    mean is the true one (the corrected variance inverts the corrected information)."""
    rng = np.random.default_rng(3)
    beta = np.array([0.3, -0.2, 0.1, 0.0, 0.2, 0.1])
    W = np.diag(1 / np.diag(S))
    true_info = beta @ W @ beta
    raw, fixed = [], []
    for _ in range(4000):
        b, _, noise = response(X, point_means(rng, beta), S, R)
        raw.append(b @ W @ b)
        fixed.append(b @ W @ b - noise * np.trace(W @ S))
    assert np.mean(raw) > 1.2 * true_info  # the bias is real here
    assert abs(np.mean(fixed) - true_info) < 0.03 * true_info
    G = beta[:, None]
    plain = sandwich(G, W, S, R)[0, 0]
    corrected = sandwich(G, W, S, R, np.array([noise]))[0, 0]
    assert corrected > plain  # conservative: the standard error only grows


def test_the_sandwich_is_undefined_when_the_noise_explains_all_the_response() -> None:
    G = np.full((K, 1), 1e-3)
    W = np.diag(1 / np.diag(S))
    assert np.isnan(sandwich(G, W, S, R, np.array([1.0 / (R * 0.025)]))).all()


def test_a_parameter_within_its_slopes_noise_does_not_take_the_others_standard_error() -> None:
    """A strong and a weak parameter: the weak one's information is below its slope's noise, so
    the joint corrected G'WG is indefinite (no standard error for either); held at its
    estimate, the strong one keeps a finite standard error."""
    W = np.diag(1 / np.diag(S))
    G = np.zeros((K, 2))
    G[:, 0] = [0.9, -0.6, 0.3, 0.0, 0.6, 0.3]  # information 171 against noise 15
    G[:, 1] = 1e-3
    sxx = float(((X - X.mean()) ** 2).sum())
    noise = np.full(2, 1.0 / (R * sxx))
    assert np.isnan(sandwich(G, W, S, R, noise)).all()
    keep = informative(G, W, S, noise, np.array([0, 1]))
    assert keep.tolist() == [0]
    cov = sandwich(G[:, keep], W, S, R, noise[keep])
    assert np.isfinite(cov).all() and cov[0, 0] > 0
