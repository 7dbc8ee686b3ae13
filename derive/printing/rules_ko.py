"""The Korean texts of the rules: titles, sources, notes of inputs and quantities, derivation titles.

Like :data:`derive.printing.i18n.REASONS_KO` for step reasons, this is a shared
vocabulary keyed by the English text a rule declares (the same English, the same
Korean, in every rule and every convention variant). A rule, input, quantity or
derivation may instead carry its own ``title_ko`` / ``source_ko`` / ``note_ko``,
which wins. The words are the lectures' (:mod:`derive.printing.glossary`); a test
proves that every registered rule, in every convention, has a Korean text for
each English one.
"""

from __future__ import annotations

from derive.printing import glossary as g

DL101 = "Deep Learning 101"
NOTES = "기초 강의 노트"
COURSE = "딥러닝 강의"
CE = g.CROSS_ENTROPY
BCE = f"이진 {g.CROSS_ENTROPY}"
KL = "KL 발산"


def _layers() -> dict[str, str]:
    out = {}
    for l in (1, 2, 3):
        out[f"weight of layer {l}"] = f"{l}층의 {g.WEIGHT}"
        out[f"pre-activation of layer {l}"] = f"{l}층의 활성화 전 값"
        out[f"output of layer {l}"] = f"{l}층의 {g.OUTPUT}"
        out[f"Gradient of the weight of layer {l}"] = f"{l}층 {g.WEIGHT}의 {g.GRADIENT}"
        out[f"hidden layer {l}"] = f"{g.HIDDEN_LAYER} {l}"
        out[f"δ^({l})"] = f"δ^({l}), {l}층의 {g.ERROR_SIGNAL}"
        out[f"the notes' update ΔW^({l}) = η δ^({l}) z^({l - 1})ᵀ"] = \
            f"강의 노트의 {g.UPDATE} ΔW^({l}) = η δ^({l}) z^({l - 1})ᵀ"
        out[f"the notes' update Δb^({l}) = η δ^({l})"] = f"강의 노트의 {g.UPDATE} Δb^({l}) = η δ^({l})"
        out[f"The notes' δ^({l}) = −∂L/∂s^({l})"] = f"강의 노트의 δ^({l}) = −∂L/∂s^({l})"
    for l in (1, 2):
        rule = f"δ^({l}) = (W^({l + 1})ᵀ δ^({l + 1})) ⊙ σ'(s^({l}))"
        out[f"the notes' {rule}"] = f"강의 노트의 {rule}"
        out[f"Hidden layer {l}: {rule}"] = f"{g.HIDDEN_LAYER} {l}: {rule}"
    for gate, ko in (("forget", "망각"), ("input", g.INPUT), ("candidate", "후보"), ("output", g.OUTPUT)):
        out[f"{gate} gate weights on [h_prev; x]"] = f"[h_prev; x]에 곱하는 {ko} {g.GATE} {g.WEIGHT}"
        out[f"{gate} gate bias (default 0)"] = f"{ko} {g.GATE} {g.BIAS} (기본값 0)"
        out[f"pre-activation of the {gate} gate"] = f"{ko} {g.GATE}의 활성화 전 값"
        out[f"{gate} gate"] = f"{ko} {g.GATE}"
        out[f"The {gate} gate's output"] = f"{ko} {g.GATE}의 {g.OUTPUT}"
        out[f"Weights of the {gate} gate: δ_{gate[0]} [h_prev; x]ᵀ"] = \
            f"{ko} {g.GATE}의 {g.WEIGHT}: δ_{gate[0]} [h_prev; x]ᵀ"
    return out


def _titles() -> dict[str, str]:
    mlp = f"MLP {g.BACKWARD}"
    return {
        "Dot-product attention": "내적 어텐션",
        "Sigmoid autoencoder with MSE: gradients and one step":
            f"{g.SIGMOID} 오토인코더와 {g.MSE}: {g.GRADIENT}와 한 번의 {g.UPDATE}",
        "Entropy of a coin (Bernoulli), maximal at theta = 1/2":
            f"동전(베르누이)의 {g.ENTROPY}, theta = 1/2에서 최대",
        "Cross-entropy against squared error after a sigmoid": f"{g.SIGMOID} 뒤의 {CE}와 {g.SQUARED_ERROR} 비교",
        "Entropy, cross-entropy and KL divergence (nats and bits)":
            f"{g.ENTROPY}, {CE}, {KL} (내트와 비트)",
        "Plain sigmoid chain of depth 3: vanishing gradients": f"깊이 3의 {g.SIGMOID} 사슬: {g.GRADIENT} 소실",
        "Evidence lower bound: log p(x) = ELBO + KL(q(z|x) || p(z|x))":
            "증거 하한(ELBO): log p(x) = ELBO + KL(q(z|x) || p(z|x))",
        "GAN discriminator loss and one update": f"GAN 판별자의 {g.LOSS}와 한 번의 {g.UPDATE}",
        "GAN generator: saturating vs non-saturating loss, and one update":
            f"GAN 생성자: 포화 {g.LOSS}와 비포화 {g.LOSS}, 한 번의 {g.UPDATE}",
        "KL divergence between two univariate Gaussians": f"두 일변량 가우시안 사이의 {KL}",
        "Jensen-Shannon divergence, bounded by log 2": "젠슨-섀넌 발산, 상한 log 2",
        "Linear regression with an L1 penalty": f"L1 {g.PENALTY}가 있는 선형 회귀",
        "Linear regression with an L2 penalty (weight decay)": f"L2 {g.PENALTY}가 있는 선형 회귀 ({g.WEIGHT} 감쇠)",
        "Linear output + squared error": f"선형 {g.OUTPUT} + {g.SQUARED_ERROR}",
        "LSTM, one step of backpropagation through time": f"LSTM, 시간 역전파(BPTT)의 한 {g.TIME_STEP}",
        "LSTM, one time step": f"LSTM, 한 {g.TIME_STEP}",
        "MLP backpropagation, softmax + cross-entropy (multiclass)": f"{mlp}, {g.SOFTMAX} + {CE} (다중 클래스)",
        "MLP backpropagation, linear output + squared error (regression)":
            f"{mlp}, 선형 {g.OUTPUT} + {g.SQUARED_ERROR} (회귀)",
        "MLP backpropagation, one sigmoid + binary cross-entropy": f"{mlp}, {g.SIGMOID} 하나 + {BCE}",
        "MLP backpropagation, K sigmoids + binary cross-entropy (multi-label)":
            f"{mlp}, {g.SIGMOID} K개 + {BCE} (다중 레이블)",
        "Perceptron update with a sigmoid output": f"{g.SIGMOID} {g.OUTPUT}의 퍼셉트론 {g.UPDATE}",
        "Sigmoid chain of depth 3 with skip connections": f"스킵 연결이 있는 깊이 3의 {g.SIGMOID} 사슬",
        "RNN, backpropagation through time over T = 2 steps": f"RNN, T = 2 {g.TIME_STEP}에 걸친 시간 역전파(BPTT)",
        "Sigmoid + binary cross-entropy": f"{g.SIGMOID} + {BCE}",
        "Softmax + cross-entropy": f"{g.SOFTMAX} + {CE}",
        "VAE: KL divergence of N(mu, exp(logvar)) from N(0, I)": f"VAE: N(0, I)에 대한 N(mu, exp(logvar))의 {KL}",
        "VAE loss (reconstruction + KL) with a linear encoder and decoder":
            f"선형 인코더와 디코더를 쓰는 VAE {g.LOSS} (재구성 + KL)",
        "VAE reparameterization: gradients through z = mu + sigma * eps":
            f"VAE 재매개변수화: z = mu + sigma * eps를 거치는 {g.GRADIENT}",
    }


def _sources() -> dict[str, str]:
    return {
        "Deep Learning 101, attention lecture (dot-product scores, softmax weights, context vector)":
            f"{DL101}, 어텐션 강의 (내적 점수, {g.SOFTMAX} {g.WEIGHT}, 문맥 {g.VECTOR})",
        "Deep Learning 101, lecture 9 (autoencoder: forward, MSE, backward by hand, one update); "
        "fundamentals notes (autoencoder, reconstruction MSE)":
            f"{DL101}, 9강 (오토인코더: {g.FORWARD}, {g.MSE}, 손으로 하는 {g.BACKWARD}, 한 번의 {g.UPDATE}); "
            f"{NOTES} (오토인코더, 재구성 {g.MSE})",
        "Fundamentals notes (entropy of a Bernoulli variable, maximal at 0.5); Deep Learning 101, lecture 7":
            f"{NOTES} (베르누이 {g.VARIABLE}의 {g.ENTROPY}, 0.5에서 최대); {DL101}, 7강",
        "Fundamentals notes: why losses differ though the updates look alike":
            f"{NOTES}: {g.UPDATE} 식은 닮았는데 {g.LOSS}는 왜 다른가",
        "Deep Learning 101, lectures 7 (cross-entropy) and 16 (KL divergence); fundamentals notes "
        "(entropy/CE/KL, the coin p(1) = 0.9 vs q(1) = 0.6)":
            f"{DL101}, 7강 ({CE})과 16강 ({KL}); {NOTES} ({g.ENTROPY}/CE/KL, 동전 p(1) = 0.9 대 q(1) = 0.6)",
        "Deep Learning 101, lecture 25 (ResNet and the vanishing gradient)":
            f"{DL101}, 25강 (ResNet과 {g.GRADIENT} 소실)",
        "Deep-learning course, lecture 12 (VAE and the ELBO); Deep Learning 101, lecture 23":
            f"{COURSE}, 12강 (VAE와 ELBO); {DL101}, 23강",
        "Deep Learning 101, lecture 11 (GAN, the toy example with RGB colours); "
        "deep-learning course, lecture 13 (GAN objectives)":
            f"{DL101}, 11강 (GAN, RGB 색의 장난감 예제); {COURSE}, 13강 (GAN의 목적 함수)",
        "Deep Learning 101, lecture 11 (GAN, the toy example with RGB colours); "
        "deep-learning course, lecture 13 (the generator's modified objective)":
            f"{DL101}, 11강 (GAN, RGB 색의 장난감 예제); {COURSE}, 13강 (생성자의 수정된 목적 함수)",
        "Deep Learning 101, lecture 16 (KL divergence) and lecture 23 (VAE)":
            f"{DL101}, 16강 ({KL})과 23강 (VAE)",
        "Deep Learning 101, lecture 16 (KL divergence: asymmetry and the Jensen-Shannon divergence)":
            f"{DL101}, 16강 ({KL}: 비대칭성과 젠슨-섀넌 발산)",
        "Deep Learning 101, lecture 14 (L1, L2 regularization)": f"{DL101}, 14강 (L1, L2 {g.REGULARIZATION})",
        "Fundamentals notes, update rules (linear output, MSE)":
            f"{NOTES}, {g.UPDATE} 규칙 (선형 {g.OUTPUT}, {g.MSE})",
        "Deep Learning 101, lecture 5 (LSTM: backpropagation through time)": f"{DL101}, 5강 (LSTM: 시간 역전파)",
        "Deep Learning 101, lecture 5 (LSTM, a beginner's guide)": f"{DL101}, 5강 (LSTM 입문)",
        "Fundamentals notes (MLP backpropagation, update rules per output type); AI Deep Dive ch. 4":
            f"{NOTES} (MLP {g.BACKWARD}, {g.OUTPUT} 종류별 {g.UPDATE} 규칙); AI Deep Dive 4장",
        "Fundamentals notes: update rules Δw = η(r − y)x for each output type":
            f"{NOTES}: {g.OUTPUT} 종류별 {g.UPDATE} 규칙 Δw = η(r − y)x",
        "Deep Learning 101, lecture 3 (RNN, backpropagation through time)": f"{DL101}, 3강 (RNN, 시간 역전파)",
        "Deep Learning 101, lecture 5; fundamentals notes (update rule for a sigmoid output)":
            f"{DL101}, 5강; {NOTES} ({g.SIGMOID} {g.OUTPUT}의 {g.UPDATE} 규칙)",
        "Deep Learning 101, lecture 13 (softmax + cross-entropy derivative)":
            f"{DL101}, 13강 ({g.SOFTMAX} + {CE}의 {g.DERIVATIVE})",
        "Deep Learning 101, lecture 23 (VAE); deep-learning course, lecture 12 (the ELBO)":
            f"{DL101}, 23강 (VAE); {COURSE}, 12강 (ELBO)",
        "Deep Learning 101, lecture 23 (VAE: the reparameterization trick)": f"{DL101}, 23강 (VAE: 재매개변수화 기법)",
    }


def _notes() -> dict[str, str]:
    G, W, B, L, O, I = g.GRADIENT, g.WEIGHT, g.BIAS, g.LOSS, g.OUTPUT, g.INPUT
    return {
        # attention
        "encoder states h_1..h_T (rows)": "인코더 상태 h_1..h_T (행)",
        "decoder state s": "디코더 상태 s",
        "upstream gradient ∂L/∂c": f"위에서 내려온 {G} ∂L/∂c",
        "scores e_t = h_t · s": "점수 e_t = h_t · s",
        "attention weights": f"어텐션 {W}",
        "context c = Σ_t α_t h_t": "문맥 c = Σ_t α_t h_t",
        "the loss, linearized at the context": f"문맥에서 선형화한 {g.LOSS_VALUE}",
        "∂L/∂α_t = h_t · g": f"어텐션 {W}에 대한 {G} ∂L/∂α_t = h_t · g",
        "through the softmax": f"{g.SOFTMAX}를 거쳐",
        "back to the decoder state": "디코더 상태로 거슬러",
        "both paths to the encoder states": "인코더 상태로 가는 두 경로",
        "Through the softmax of the scores": f"점수의 {g.SOFTMAX}를 거쳐",
        "The weight of each encoder state": f"각 인코더 상태의 {W}",
        # autoencoder
        "input, also the target": f"{I}, {g.TARGET}이기도 함",
        "encoder weights": f"인코더 {W}",
        "decoder weights": f"디코더 {W}",
        "learning rate η": f"{g.LEARNING_RATE} η",
        "encoder pre-activation": "인코더의 활성화 전 값",
        "the code (latent vector)": f"코드 ({g.LATENT} {g.VECTOR})",
        "decoder pre-activation": "디코더의 활성화 전 값",
        "the reconstruction": "재구성",
        "mean squared reconstruction error": f"재구성 {g.MSE}",
        "δ_dec": f"δ_dec, 디코더의 {g.ERROR_SIGNAL}",
        "δ_enc": f"δ_enc, 인코더의 {g.ERROR_SIGNAL}",
        "decoder weights after one step": f"한 번 {g.UPDATE}한 디코더 {W}",
        "encoder weights after one step": f"한 번 {g.UPDATE}한 인코더 {W}",
        "Decoder weights: δ_dec zᵀ": f"디코더 {W}: δ_dec zᵀ",
        "Encoder weights: δ_enc xᵀ": f"인코더 {W}: δ_enc xᵀ",
        "One gradient step": "경사하강 한 스텝",
        # bernoulli_entropy
        "probability that the coin shows 1": "동전이 1이 나올 확률",
        "entropy in nats": f"{g.ENTROPY} (내트)",
        "entropy in bits": f"{g.ENTROPY} (비트)",
        "slope of the entropy": f"{g.ENTROPY}의 기울기",
        "d²H/dθ², negative everywhere": "d²H/dθ², 어디서나 음수",
        "distance below the maximum log 2": "최댓값 log 2까지의 거리",
        "distance below the maximum 1 bit": "최댓값 1비트까지의 거리",
        "Slope of the entropy": f"{g.ENTROPY}의 기울기",
        "Second derivative: the stationary point is a maximum": f"이계 {g.DERIVATIVE}: 정류점은 최댓값",
        "H(θ) <= H(½) = log 2: the gap is a KL divergence": f"H(θ) <= H(½) = log 2: 그 차이는 {KL}",
        "H(θ) <= H(½) = 1: the gap is a KL divergence": f"H(θ) <= H(½) = 1: 그 차이는 {KL}",
        # ce_vs_mse
        "logit": "로짓",
        "target, 0 or 1": f"{g.TARGET}, 0 또는 1",
        "output ŷ = σ(s)": f"{O} ŷ = σ(s)",
        "cross-entropy": CE,
        "half the squared error": f"{g.SQUARED_ERROR}의 절반",
        "cross-entropy gradient": f"{CE}의 {G}",
        "squared-error gradient": f"{g.SQUARED_ERROR}의 {G}",
        "how much smaller the squared-error gradient is": f"{g.SQUARED_ERROR} {G}가 얼마나 작은지",
        "The squared error keeps the sigmoid's slope": f"{g.SQUARED_ERROR}는 {g.SIGMOID}의 기울기를 남긴다",
        "Cross-entropy cancels it": f"{CE}는 그것을 지운다",
        "The squared-error gradient is the cross-entropy gradient times ŷ(1 − ŷ) ≤ 1/4":
            f"{g.SQUARED_ERROR}의 {G}는 {CE}의 {G}에 ŷ(1 − ŷ) ≤ 1/4를 곱한 것",
        # cross_entropy_kl
        "the true distribution p": "참 분포 p",
        "the model's distribution q": "모델의 분포 q",
        "information (surprise) of each outcome, −log p": "각 결과의 정보량(놀라움), −log p",
        "information (surprise) of each outcome, −log₂ p": "각 결과의 정보량(놀라움), −log₂ p",
        "entropy H(p), nats": f"{g.ENTROPY} H(p), 내트",
        "entropy H(p), bits": f"{g.ENTROPY} H(p), 비트",
        "cross-entropy H(p, q), nats": f"{CE} H(p, q), 내트",
        "cross-entropy H(p, q), bits": f"{CE} H(p, q), 비트",
        "KL(p ‖ q), nats": "KL(p ‖ q), 내트",
        "KL(p ‖ q), bits": "KL(p ‖ q), 비트",
        "KL(q ‖ p), nats: the other direction": "KL(q ‖ p), 내트: 반대 방향",
        "KL(q ‖ p), bits: the other direction": "KL(q ‖ p), 비트: 반대 방향",
        "KL(p ‖ q) − KL(q ‖ p), not 0 in general": "KL(p ‖ q) − KL(q ‖ p), 일반적으로 0이 아님",
        "cross-entropy in bits": f"{CE} (비트)",
        "KL(p ‖ q) in bits": "KL(p ‖ q) (비트)",
        "gradient of the cross-entropy by q": f"q에 대한 {CE}의 {G}",
        "gradient of the KL by q: the same": f"q에 대한 KL의 {G}: 같음",
        "Entropy = expected information": f"{g.ENTROPY} = 정보량의 기댓값",
        "KL(p ‖ q) = H(p, q) − H(p)": f"KL(p ‖ q) = H(p, q) − H(p): {CE}에서 {g.ENTROPY}를 뺀 것",
        "KL is not symmetric": "KL은 대칭이 아니다",
        "H in bits": "비트 단위의 H",
        "CE in bits": "비트 단위의 CE",
        "KL in bits": "비트 단위의 KL",
        "Gradient by the model's distribution": f"모델 분포에 대한 {G}",
        # deep_chain, residual_chain
        "the input": I,
        "the target": g.TARGET,
        "squared error": g.SQUARED_ERROR,
        "residual branch of layer 2": "2층의 잔차 가지",
        "output of layer 2 (skip added)": f"2층의 {O} (스킵 연결을 더함)",
        # elbo
        "prior p(z) over the K latent values": f"K개의 {g.LATENT} 값에 대한 사전 분포 p(z)",
        "likelihood p(x|z) of the observed x for each z": "각 z에서 관측된 x의 가능도 p(x|z)",
        "the encoder's q(z|x)": "인코더의 q(z|x)",
        "evidence p(x) = Σ_z p(z) p(x|z)": "증거 p(x) = Σ_z p(z) p(x|z)",
        "log-evidence log p(x)": "로그 증거 log p(x)",
        "posterior p(z|x), by Bayes' rule": "베이즈 정리로 구한 사후 분포 p(z|x)",
        "E_q[log p(x|z)], the reconstruction term": f"E_q[log p(x|z)], 재구성 {g.TERM}",
        "KL(q(z|x) ‖ p(z))": "사전 분포와의 KL(q(z|x) ‖ p(z))",
        "E_q[log p(x, z) − log q(z|x)]": "증거 하한 E_q[log p(x, z) − log q(z|x)]",
        "KL(q(z|x) ‖ p(z|x)) >= 0": "사후 분포와의 KL(q(z|x) ‖ p(z|x)) >= 0",
        "log p(x) = ELBO + KL(q(z|x) ‖ p(z|x))": "로그 증거의 분해: log p(x) = ELBO + KL(q(z|x) ‖ p(z|x))",
        "ELBO = E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))":
            f"ELBO = 재구성 {g.TERM} − KL: E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))",
        # gan
        "a real sample (the lecture's red: (1, 0, 0))": "진짜 샘플 (강의의 빨강: (1, 0, 0))",
        "a generated sample G(z), fixed during D's update": f"생성된 샘플 G(z), D를 {g.UPDATE}하는 동안 고정",
        "discriminator weights": f"판별자 {W}",
        "discriminator bias": f"판별자 {B}",
        "logit on the real sample": "진짜 샘플의 로짓",
        "logit on the generated sample": "생성된 샘플의 로짓",
        "D(x): probability that x is real": "D(x): x가 진짜일 확률",
        "D(G(z))": "D(G(z)): 생성된 샘플이 진짜일 확률",
        "discriminator loss": f"판별자의 {L}",
        "weights after one step": f"한 번 {g.UPDATE}한 {W}",
        "bias after one step": f"한 번 {g.UPDATE}한 {B}",
        "Discriminator weights: (D(x) − 1) x + D(G(z)) g": f"판별자 {W}: (D(x) − 1) x + D(G(z)) g",
        "Discriminator bias": f"판별자 {B}",
        "One update of the discriminator": f"판별자의 한 번의 {g.UPDATE}",
        "latent noise": f"{g.LATENT} 잡음",
        "generator weights": f"생성자 {W}",
        "discriminator weights (fixed in this step)": f"판별자 {W} (이 단계에서는 고정)",
        "discriminator bias (fixed in this step)": f"판별자 {B} (이 단계에서는 고정)",
        "generator pre-activation": "생성자의 활성화 전 값",
        "the generated colour G(z), each channel in (0, 1)": "생성된 색 G(z), 각 채널은 (0, 1) 안",
        "discriminator logit on G(z)": "G(z)에 대한 판별자의 로짓",
        "saturating generator loss (the minimax objective)": f"포화 생성자 {L} (미니맥스 목적 함수)",
        "non-saturating generator loss": f"비포화 생성자 {L}",
        "vanishes as D(G(z)) → 0": "D(G(z)) → 0이면 사라짐",
        "→ −1 as D(G(z)) → 0": "D(G(z)) → 0이면 → −1",
        "non-saturating over saturating": "비포화 대 포화의 비",
        "gradient reaching the colour": f"색에 도달하는 {G}",
        "at the generator's pre-activation": "생성자의 활성화 전 값에서",
        "the saturating loss's gradient": f"포화 {L}의 {G}",
        "generator weights after one step": f"한 번 {g.UPDATE}한 생성자 {W}",
        "Saturating loss: gradient by the logit": f"포화 {L}: 로짓에 대한 {G}",
        "Non-saturating loss: gradient by the logit": f"비포화 {L}: 로짓에 대한 {G}",
        "Why the non-saturating loss learns faster early on": f"비포화 {L}가 초반에 더 빨리 배우는 이유",
        "Generator weights: an outer product with z": f"생성자 {W}: z와의 외적",
        # gaussian_kl
        "mean of q": f"q의 {g.MEAN}",
        "standard deviation of q": f"q의 {g.STANDARD_DEVIATION}",
        "mean of p": f"p의 {g.MEAN}",
        "standard deviation of p": f"p의 {g.STANDARD_DEVIATION}",
        "KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²))": "두 가우시안의 KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²))",
        "KL between two Gaussians by integrating the densities": "두 가우시안의 KL, 밀도를 적분해서",
        # jsd
        "first distribution": "첫째 분포",
        "second distribution": "둘째 분포",
        "the midpoint distribution": "중간 분포",
        "nats": "내트",
        "bits": "비트",
        "in bits: between 0 and 1": "비트 단위: 0과 1 사이",
        "distance below the bound log 2": "상한 log 2까지의 거리",
        "distance below the bound 1 bit": "상한 1비트까지의 거리",
        "gradient by p": f"p에 대한 {G}",
        "gradient by q": f"q에 대한 {G}",
        "JSD = log 2 + ½ Σ [p log(p/(p + q)) + q log(q/(p + q))]":
            "JSD를 다시 쓰면 log 2 + ½ Σ [p log(p/(p + q)) + q log(q/(p + q))]",
        "JSD = 1 + ½ Σ [p log₂(p/(p + q)) + q log₂(q/(p + q))]":
            "JSD를 다시 쓰면 1 + ½ Σ [p log₂(p/(p + q)) + q log₂(q/(p + q))]",
        "The bound log 2": "상한 log 2",
        "The bound 1": "상한 1",
        "Gradient by p": f"p에 대한 {G}",
        # l1_linreg, l2_linreg
        "inputs of the N samples": f"N개 샘플의 {I}",
        "targets of the N samples": f"N개 샘플의 {g.TARGET}",
        "weight": W,
        "bias": B,
        "penalty weight λ": f"{g.PENALTY} 계수 λ",
        "predictions": g.PREDICTION,
        "mean squared error": g.MSE,
        "half the mean squared error": f"{g.MSE}의 절반",
        "sum of squared errors": f"{g.SQUARED_ERROR}의 {g.SUM}",
        "half the sum of squared errors": f"{g.SQUARED_ERROR} {g.SUM}의 절반",
        "penalty": g.PENALTY,
        "regularized loss": f"{g.REGULARIZATION}된 {L}",
        "gradient by the weight": f"{W}에 대한 {G}",
        "gradient by the bias": f"{B}에 대한 {G}",
        "weight after one step": f"한 번 {g.UPDATE}한 {W}",
        "Gradient of the L1-regularized loss by the weight": f"L1 {g.REGULARIZATION}된 {L}의 {W}에 대한 {G}",
        "The update: a constant push η λ towards 0": f"{g.UPDATE}: 0 쪽으로 일정하게 η λ만큼 민다",
        "gradient of the error alone": f"{g.ERROR}만의 {G}",
        "Gradient of the L2-regularized loss by the weight": f"L2 {g.REGULARIZATION}된 {L}의 {W}에 대한 {G}",
        "The update as weight decay": f"{W} 감쇠로서의 {g.UPDATE}",
        # linear_mse, perceptron
        "input": I,
        "weights": W,
        "target": g.TARGET,
        "prediction ŷ = wᵀx + b": f"{g.PREDICTION} ŷ = wᵀx + b",
        "the error": g.ERROR,
        "the squared error": g.SQUARED_ERROR,
        "gradient by the weights": f"{W}에 대한 {G}",
        "the notes' error signal δ = r − y = −∂L/∂ŷ": f"강의 노트의 {g.ERROR_SIGNAL} δ = r − y = −∂L/∂ŷ",
        "the notes' error signal δ = r − y = −∂E/∂s": f"강의 노트의 {g.ERROR_SIGNAL} δ = r − y = −∂E/∂s",
        "Gradient by the first weight (every weight alike)": f"첫 번째 {W}에 대한 {G} (모든 {W}가 같은 꼴)",
        "The notes' error signal δ = r − y": f"강의 노트의 {g.ERROR_SIGNAL} δ = r − y",
        "target r, 0 or 1": f"{g.TARGET} r, 0 또는 1",
        "the weighted sum s = wᵀx": "가중합 s = wᵀx",
        "gradient by the weighted sum": f"가중합에 대한 {G}",
        "the notes' update Δw = η δ x": f"강의 노트의 {g.UPDATE} Δw = η δ x",
        "The update Δw = η (y − ŷ) x": f"{g.UPDATE} Δw = η (y − ŷ) x",
        "The notes' update Δw = η δ x": f"강의 노트의 {g.UPDATE} Δw = η δ x",
        # lstm
        "input at this step": f"이 {g.TIME_STEP}의 {I}",
        "previous hidden state": f"이전 {g.HIDDEN_STATE}",
        "previous cell state": f"이전 {g.CELL_STATE}",
        "output weights": f"{g.OUTPUT_LAYER} {W}",
        "one-hot target at this step": f"이 {g.TIME_STEP}의 {g.ONE_HOT} {g.TARGET}",
        "∂(later steps' loss)/∂h, handed back": f"∂(이후 {g.TIME_STEP}들의 {g.LOSS_VALUE})/∂h, 거꾸로 전달됨",
        "∂(later steps' loss)/∂C, handed back": f"∂(이후 {g.TIME_STEP}들의 {g.LOSS_VALUE})/∂C, 거꾸로 전달됨",
        "the concatenation [h_prev; x]": "이어 붙인 [h_prev; x]",
        "cell state": g.CELL_STATE,
        "hidden state": g.HIDDEN_STATE,
        "logits": "로짓",
        "predicted probabilities": "예측 확률",
        "this step's loss + the later loss, to first order":
            f"이 {g.TIME_STEP}의 {g.LOSS_VALUE} + 이후 {g.LOSS_VALUE} (1차 근사)",
        "Two paths into h: this step's output and the later steps":
            f"h로 오는 두 경로: 이 {g.TIME_STEP}의 {O}과 이후 {g.TIME_STEP}들",
        "Two paths into C: through h, and additively through time": "C로 오는 두 경로: h를 거쳐, 그리고 시간을 따라 덧셈으로",
        "Back along the cell state: the additive path": f"{g.CELL_STATE}를 따라 거슬러: 덧셈 경로",
        "Forget-gate weights": f"망각 {g.GATE} {W}",
        "one-hot target": f"{g.ONE_HOT} {g.TARGET}",
        "The output error: ∂L/∂g = ŷ − y": f"{O} {g.ERROR}: ∂L/∂g = ŷ − y",
        "Output weights: an outer product of the error with h": f"{g.OUTPUT_LAYER} {W}: {g.ERROR}와 h의 외적",
        "Back into the hidden state": f"{g.HIDDEN_STATE}로 거슬러",
        "Output gate: ∂h/∂o = tanh(C)": f"{O} {g.GATE}: ∂h/∂o = tanh(C)",
        "The cell state": g.CELL_STATE,
        "Back to the previous cell state": f"이전 {g.CELL_STATE}로 거슬러",
        "Back into the concatenation: ∂L/∂z = Σ_* W_*ᵀ δ_*": "이어 붙인 벡터로 거슬러: ∂L/∂z = Σ_* W_*ᵀ δ_*",
        "Back to the previous hidden state": f"이전 {g.HIDDEN_STATE}로 거슬러",
        # mlp_backprop
        "δ^(3), the output error": f"δ^(3), {O} {g.ERROR}",
        "after one gradient step": "경사하강 한 스텝 뒤",
        "the notes' output error δ^(3) = r − y": f"강의 노트의 {O} {g.ERROR} δ^(3) = r − y",
        "The output error: the same for every head": f"{O} {g.ERROR}: 모든 {g.OUTPUT_LAYER}에서 같다",
        "Output weights: Δw_ab = −η δ_a z_b": f"{g.OUTPUT_LAYER} {W}: Δw_ab = −η δ_a z_b",
        "The notes' update ΔW^(1) = η δ^(1) xᵀ": f"강의 노트의 {g.UPDATE} ΔW^(1) = η δ^(1) xᵀ",
        "linear output": f"선형 {O}",
        "probabilities": "확률",
        "binary cross-entropy, summed over the outputs": f"{O}별 {BCE}의 {g.SUM}",
        # rnn_bptt
        "input at step 1": f"{g.TIME_STEP} 1의 {I}",
        "input at step 2": f"{g.TIME_STEP} 2의 {I}",
        "initial hidden state": f"초기 {g.HIDDEN_STATE}",
        "input weights": f"{I} {W}",
        "recurrent weights": f"순환 {W}",
        "one-hot target at step 1": f"{g.TIME_STEP} 1의 {g.ONE_HOT} {g.TARGET}",
        "one-hot target at step 2": f"{g.TIME_STEP} 2의 {g.ONE_HOT} {g.TARGET}",
        "pre-activation": "활성화 전 값",
        "loss summed over steps": f"{g.TIME_STEP}에 걸쳐 합한 {g.LOSS_VALUE}",
        "The recursion: ∂L/∂h_t = Vᵀ(ŷ_t − y_t) + Wᵀ δ_(t+1)": "점화식: ∂L/∂h_t = Vᵀ(ŷ_t − y_t) + Wᵀ δ_(t+1)",
        "Gradient of W: a sum over time": f"W의 {G}: 시간에 걸친 {g.SUM}",
        "Gradient of U: a sum over time": f"U의 {G}: 시간에 걸친 {g.SUM}",
        "Gradient of V: a sum over time": f"V의 {G}: 시간에 걸친 {g.SUM}",
        # sigmoid_bce, softmax_ce
        "predicted probability": "예측 확률",
        "binary cross-entropy": BCE,
        "binary cross-entropy in bits": f"{BCE} (비트)",
        "gradient of the loss by the logit": f"로짓에 대한 {L}의 {G}",
        "Gradient of the binary cross-entropy by the logit": f"로짓에 대한 {BCE}의 {G}",
        "gradient of the loss by the logits": f"로짓에 대한 {L}의 {G}",
        "Gradient of the cross-entropy by the logits": f"로짓에 대한 {CE}의 {G}",
        # vae
        "encoder mean": f"인코더의 {g.MEAN}",
        "encoder log-variance log σ²": f"인코더의 로그 {g.VARIANCE} log σ²",
        "KL(N(μ, σ²) ‖ N(0, I)), summed over the latent dimensions": f"KL(N(μ, σ²) ‖ N(0, I)), {g.LATENT} 차원에 걸친 {g.SUM}",
        "gradient of the KL by the mean": f"{g.MEAN}에 대한 KL의 {G}",
        "gradient of the KL by the log-variance": f"로그 {g.VARIANCE}에 대한 KL의 {G}",
        "KL(N(μ, σ²) ‖ N(0, 1)) by integrating the two densities": "KL(N(μ, σ²) ‖ N(0, 1)), 두 밀도를 적분해서",
        "Gradient of the KL by the mean": f"{g.MEAN}에 대한 KL의 {G}",
        "Gradient of the KL by the log-variance": f"로그 {g.VARIANCE}에 대한 KL의 {G}",
        "input, also the reconstruction target": f"{I}, 재구성의 {g.TARGET}이기도 함",
        "encoder weights of the mean head": f"{g.MEAN} 헤드의 인코더 {W}",
        "encoder weights of the log-variance head": f"로그 {g.VARIANCE} 헤드의 인코더 {W}",
        "noise ε ~ N(0, I)": "잡음 ε ~ N(0, I)",
        "μ = W_μ x": f"인코더의 {g.MEAN} μ = W_μ x",
        "logvar = W_logvar x": f"인코더의 로그 {g.VARIANCE} logvar = W_logvar x",
        "σ = e^{logvar/2}": f"{g.STANDARD_DEVIATION} σ = e^{{logvar/2}}",
        "reparameterized sample": "재매개변수화한 샘플",
        "reconstruction x̂ = W_dec z": "재구성 x̂ = W_dec z",
        "reconstruction loss ½‖x̂ − x‖²": f"재구성 {g.LOSS_VALUE} ½‖x̂ − x‖²",
        "KL(N(μ, σ²) ‖ N(0, I)) (rule vae_kl)": "KL(N(μ, σ²) ‖ N(0, I)) (vae_kl 규칙)",
        "the VAE loss: −ELBO up to a constant": f"VAE {L}: {g.CONSTANT}를 빼면 −ELBO",
        "Decoder weights: (x̂ − x) zᵀ": f"디코더 {W}: (x̂ − x) zᵀ",
        "Gradient by the mean: the reconstruction pulls, the KL pulls toward 0":
            f"{g.MEAN}에 대한 {G}: 재구성이 끌어당기고, KL은 0 쪽으로 당긴다",
        "Gradient by the log-variance": f"로그 {g.VARIANCE}에 대한 {G}",
        "Encoder weights of the mean head": f"{g.MEAN} 헤드의 인코더 {W}",
        "Encoder weights of the log-variance head": f"로그 {g.VARIANCE} 헤드의 인코더 {W}",
        "noise ε ~ N(0, I), drawn before the pass": f"잡음 ε ~ N(0, I), {g.FORWARD} 전에 뽑음",
        "target of the downstream loss": f"뒤따르는 {L}의 {g.TARGET}",
        "standard deviation σ = e^{logvar/2}": f"{g.STANDARD_DEVIATION} σ = e^{{logvar/2}}",
        "the sample, z = μ + σ ⊙ ε": "샘플, z = μ + σ ⊙ ε",
        "downstream loss ½‖z − y‖²": f"뒤따르는 {L} ½‖z − y‖²",
        "what the downstream loss sends back": f"뒤따르는 {L}가 거꾸로 보내는 값",
        "gradient by the mean": f"{g.MEAN}에 대한 {G}",
        "gradient by the log-variance": f"로그 {g.VARIANCE}에 대한 {G}",
        "Gradient by the mean: passed straight through": f"{g.MEAN}에 대한 {G}: 그대로 통과",
        "Gradient by the log-variance: through σ = e^{logvar/2}": f"로그 {g.VARIANCE}에 대한 {G}: σ = e^{{logvar/2}}를 거쳐",
    }


#: English -> Korean, for every title, source, note and derivation title the rules declare.
TEXTS_KO: dict[str, str] = {**_titles(), **_sources(), **_layers(), **_notes()}


def korean(text: str, own: str | None = None) -> str | None:
    """The Korean of a rule's English ``text``: its own ``*_ko`` field, else the shared table."""
    return own or TEXTS_KO.get(text)
