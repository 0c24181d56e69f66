"""The reduced core of gpnlab's period step written idiomatically in Mesa 3: the named baseline.

Reduced core, as in :mod:`gpnlab.simulate`: buyers recruit suppliers by scorecard from a few
sampled candidates (sourcing), knowledge flows from buyer to supplier in proportion to the gap
(transfer), is internalised by absorptive capacity (absorption), and suppliers below the
requirement are dropped when their contract ends (dropping). One agent object per firm, each
with a small numpy capability vector, advanced with ``model.agents.shuffle_do("step")``.
"""

from __future__ import annotations

import mesa
import numpy as np

D = 5


class Firm(mesa.Agent):
    def __init__(self, model: CoreModel, is_buyer: bool, capability: np.ndarray) -> None:
        super().__init__(model)
        self.is_buyer = is_buyer
        self.K = capability
        self.buyer: Firm | None = None
        self.suppliers: list[Firm] = []
        self.contract_age = 0
        self.target = 8

    def match(self) -> float:
        return float(np.min(self.K / self.model.requirement))

    def step(self) -> None:
        if self.is_buyer:
            self.source()
        elif self.buyer is not None:
            self.learn()
            self.review()

    def source(self) -> None:
        model = self.model
        while len(self.suppliers) < self.target and model.free:
            candidates = model.random.sample(model.free, min(6, len(model.free)))
            best = max(candidates, key=lambda f: f.match() - 0.1 * model.random.random())
            if best.match() < 0.9 * model.threshold:
                break
            model.free.remove(best)
            best.buyer = self
            best.contract_age = 0
            self.suppliers.append(best)

    def learn(self) -> None:
        gap = np.maximum(self.buyer.K - self.K, 0.0)
        absorptive = min(1.0, 0.3 * float(self.K.mean()) + 0.3)
        self.K = (self.K + self.model.rate * absorptive * gap) * (1 - 0.005)

    def review(self) -> None:
        self.contract_age += 1
        if self.contract_age >= 4 and self.match() < self.model.threshold:
            self.buyer.suppliers.remove(self)
            self.buyer = None
            self.model.free.append(self)


class CoreModel(mesa.Model):
    def __init__(self, firms: int = 10_000, seed: int = 0) -> None:
        super().__init__(rng=seed)
        rng = np.random.default_rng(seed)
        self.requirement = np.full(D, 0.5)
        self.threshold = 0.7
        self.rate = 0.08
        n_buyers = max(1, firms // 10)
        self.free: list[Firm] = []
        for i in range(firms):
            is_buyer = i < n_buyers
            f = Firm(self, is_buyer, rng.lognormal(np.log(0.9 if is_buyer else 0.5), 0.2, D))
            if not is_buyer:
                self.free.append(f)

    def step(self) -> None:
        self.requirement = self.requirement * 1.01
        self.agents.shuffle_do("step")


if __name__ == "__main__":
    import time

    model = CoreModel(10_000)
    t0 = time.perf_counter()
    for _ in range(5):
        model.step()
    print(f"{5 * 10_000 / (time.perf_counter() - t0):,.0f} firm-periods per second")
