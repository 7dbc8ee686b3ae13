"""Why cross-entropy trains a sigmoid output faster than the squared error, as a picture.

The curves are computed by the generated ``ce_vs_mse`` code: |∂L/∂s| of both
losses against the logit s for a target y = 1.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from derive.numpy import ce_vs_mse  # noqa: E402


def ce_vs_mse_figure(out_dir: Path) -> Path:
    s = np.linspace(-8, 8, 401)
    values = ce_vs_mse(s=s, y=np.ones_like(s))
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    ax.plot(s, np.abs(values["dL_ce/ds"]), label=r"cross-entropy: $|\hat{y} - y|$")
    ax.plot(s, np.abs(values["dL_mse/ds"]), label=r"squared error: $|(\hat{y} - y)\,\hat{y}(1 - \hat{y})|$")
    ax.set_xlabel("logit $s$ (target $y = 1$)")
    ax.set_ylabel(r"$|\partial L / \partial s|$")
    ax.set_title("A confidently wrong sigmoid: CE keeps a large gradient, MSE loses it")
    ax.axvspan(-8, -2, color="0.92", zorder=0)
    ax.text(-7.6, 0.5, "wrong and\nsaturated", fontsize=9)
    ax.legend(loc="upper right", fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(out_dir) / "ce_vs_mse_gradient.png"
    fig.savefig(path)
    plt.close(fig)
    return path
