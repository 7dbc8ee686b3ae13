"""A sigmoid autoencoder with squared-error reconstruction, and one gradient step (DL 101, lecture 9).

Headline: δ_dec = ∂L/∂x̂ ⊙ x̂ ⊙ (1 − x̂), ∂L/∂W_dec = δ_dec zᵀ;
δ_enc = (W_decᵀ δ_dec) ⊙ z ⊙ (1 − z), ∂L/∂W_enc = δ_enc xᵀ; with ∂L/∂x̂ = 2(x̂ − x)/D.

The encoder squeezes the input into a smaller code, z = σ(W_enc x); the decoder
rebuilds it, x̂ = σ(W_dec z); the input is its own target, and the loss is the
mean squared error L = (1/D) Σ (x̂ − x)². Backpropagation is the sigmoid layer's
rule twice: at each layer the error is multiplied by σ' = σ(1 − σ), and each
weight gradient is an outer product with the layer's input. One step of gradient
descent, W ← W − η ∂L/∂W, moves the weights a little, as the lecture shows.
"""

from derive.rules._vocabulary import *

D, H = dim("D"), dim("H")
i, k, m = symbols("i k m", integer=True, positive=True)

rule = Rule(
    "autoencoder",
    "Sigmoid autoencoder with MSE: gradients and one step",
    headline="dL/dW_dec = delta_dec z^T, dL/dW_enc = delta_enc x^T; delta_dec = dL/dx_hat * x_hat(1 - x_hat), "
             "delta_enc = W_dec^T delta_dec * z(1 - z)",
    source="Deep Learning 101, lecture 9 (autoencoder: forward, MSE, backward by hand, one update); "
           "fundamentals notes (autoencoder, reconstruction MSE)",
    proof_sizes=[{D: 2, H: 1}, {D: 2, H: 2}],
    test_sizes={D: 4, H: 2},
)

x = rule.input("x", (D,), Unit(), note="input, also the target")
W_enc = rule.input("W_enc", (H, D), Real(0.5), note="encoder weights")
W_dec = rule.input("W_dec", (D, H), Real(0.5), note="decoder weights")
lr = rule.input("lr", (), Positive(0.1, 1.0), note="learning rate η")

s_enc = rule.quantity("s_enc", MatVec(W_enc, x), note="encoder pre-activation")
z = rule.quantity("z", sigmoid(s_enc), note="the code (latent vector)")
s_dec = rule.quantity("s_dec", MatVec(W_dec, z), note="decoder pre-activation")
x_hat = rule.quantity("x_hat", sigmoid(s_dec), note="the reconstruction")
L = rule.quantity("L", Total((x_hat - x) ** 2) / D, note="mean squared reconstruction error")

dL_dx_hat = rule.quantity("dL/dx_hat", 2 * (x_hat - x) / D)
dL_ds_dec = rule.quantity("dL/ds_dec", dL_dx_hat * x_hat * (1 - x_hat), note="δ_dec")
dL_dW_dec = rule.quantity("dL/dW_dec", Outer(dL_ds_dec, z))
dL_dz = rule.quantity("dL/dz", MatVec(Transpose(W_dec), dL_ds_dec))
dL_ds_enc = rule.quantity("dL/ds_enc", dL_dz * z * (1 - z), note="δ_enc")
dL_dW_enc = rule.quantity("dL/dW_enc", Outer(dL_ds_enc, x))
rule.quantity("W_dec_new", W_dec - lr * dL_dW_dec, note="decoder weights after one step")
rule.quantity("W_enc_new", W_enc - lr * dL_dW_enc, note="encoder weights after one step")

rule.derive(
    "dL/dW_dec",
    Step(Derivative(L, W_dec[i, k]), dL_dx_hat[i] * Derivative(x_hat[i], W_dec[i, k]),
         why="W_dec[i,k] reaches L only through x̂_i; ∂L/∂x̂_i = 2(x̂_i − x_i)/D",
         why_ko="W_dec[i,k]는 x̂_i를 통해서만 L에 영향을 준다; ∂L/∂x̂_i = 2(x̂_i − x_i)/D"),
    Step(dL_dx_hat[i] * x_hat[i] * (1 - x_hat[i]) * z[k],
         why="x̂ = σ(W_dec z): σ' = σ(1 − σ) and ∂s_dec,i/∂W_dec[i,k] = z_k",
         why_ko="x̂ = σ(W_dec z): σ' = σ(1 − σ), ∂s_dec,i/∂W_dec[i,k] = z_k"),
    Step(dL_ds_dec[i] * z[k], why="δ_dec = ∂L/∂x̂ ⊙ x̂ ⊙ (1 − x̂)", why_ko="δ_dec = ∂L/∂x̂ ⊙ x̂ ⊙ (1 − x̂)"),
    index=(i, k),
    title="Decoder weights: δ_dec zᵀ",
)
rule.derive(
    "dL/dW_enc",
    Step(Derivative(L, W_enc[i, k]), Sum(dL_ds_dec[m] * W_dec[m, i], (m, 1, D)) * Derivative(z[i], W_enc[i, k]),
         why="W_enc[i,k] reaches L only through z_i, which feeds every output: Σ_m δ_dec,m W_dec[m,i]",
         why_ko="W_enc[i,k]는 z_i를 통해서만 L에 영향을 주고, z_i는 모든 출력에 들어간다: Σ_m δ_dec,m W_dec[m,i]"),
    Step(dL_dz[i] * z[i] * (1 - z[i]) * x[k],
         why="Σ_m δ_dec,m W_dec[m,i] = (W_decᵀ δ_dec)_i; z = σ(W_enc x): ∂z_i/∂W_enc[i,k] = z_i(1 − z_i) x_k",
         why_ko="Σ_m δ_dec,m W_dec[m,i] = (W_decᵀ δ_dec)_i; z = σ(W_enc x): ∂z_i/∂W_enc[i,k] = z_i(1 − z_i) x_k"),
    Step(dL_ds_enc[i] * x[k], why="δ_enc = (W_decᵀ δ_dec) ⊙ z ⊙ (1 − z)",
         why_ko="δ_enc = (W_decᵀ δ_dec) ⊙ z ⊙ (1 − z)"),
    index=(i, k),
    title="Encoder weights: δ_enc xᵀ",
)
rule.derive(
    "W_enc_new",
    Step(rule.symbol("W_enc_new"), W_enc - lr * Outer(dL_ds_enc, x),
         why="gradient descent: W ← W − η ∂L/∂W", why_ko="경사하강법: W ← W − η ∂L/∂W"),
    title="One gradient step",
)

register(rule)
