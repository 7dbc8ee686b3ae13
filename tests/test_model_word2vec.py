"""word2vec is a network of one's own too: CBOW as a model file (a linear embedding layer without bias,
a softmax over the vocabulary) gives the rule word2vec_cbow's numbers, its matrices transposed."""

from pathlib import Path

import numpy as np

from derive.check.worked import read_top, worked_head
from derive.numpy import word2vec_cbow

MODEL = Path(__file__).resolve().parents[1] / "worked_examples" / "models" / "word2vec_cbow_model.yaml"


def test_the_cbow_model_file_is_the_cbow_rule_at_random_points():
    model = worked_head(*read_top(MODEL)).rule
    rng = np.random.default_rng(15)
    for _ in range(20):
        words = rng.choice(4, size=3, replace=False)
        X = np.eye(4)[words[:2]]  # two context words (the model: 4 words, 2 embedding units)
        y = np.eye(4)[words[2]]  # the centre word
        W_in, W_out, eta = rng.normal(size=(4, 2)), rng.normal(size=(2, 4)), 0.05
        rule = word2vec_cbow(X=X[None], y=y[None], W_in=W_in[None], W_out=W_out[None], eta=eta)
        net = model.evaluate({"x": X.mean(axis=0), "y": y, "W_h": W_in.T, "W_o": W_out.T, "lr": eta})
        np.testing.assert_allclose(net["h"], rule["h"][0], rtol=1e-12)
        np.testing.assert_allclose(net["o"], rule["y_hat"][0], rtol=1e-12)
        np.testing.assert_allclose(net["L"], rule["L"][0], rtol=1e-12)
        np.testing.assert_allclose(net["dL/dW_h"], rule["dL/dW_in"][0].T, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(net["dL/dW_o"], rule["dL/dW_out"][0].T, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(net["W_h_new"], rule["W_in_new"][0].T, rtol=1e-12)
