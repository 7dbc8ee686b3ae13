"""Pure-NumPy gradient functions generated from derive's rules (no SymPy needed).

Each function takes the rule's inputs as keyword arrays with a leading batch axis
and returns a dict keyed by the quantity names, batched the same way. A parameter (a
weight, a bias: any input) may instead come once, without the batch axis, shared by every
example: the gradients by it are then summed over the batch, with its own shape, and its
update is applied once; an input passed with the batch axis gets per-example gradients.
A bias left to its default is one number shared by the batch.

Arguments are checked before any work: a wrong number of axes or size, text, complex
numbers or ragged lists raise a ValueError or TypeError naming the function, the argument
and the shape expected; booleans count as 0 and 1. An empty batch (N = 0) gives empty
results of the right shapes; every other size must be at least 1. Results that would
take more than ``_kernels.MAX_RESULT_BYTES`` (half the machine's memory) raise a
MemoryError at once. NaN and infinities are not checked: they propagate as NumPy does.

A large batch of an element-wise rule (softmax_ce, sigmoid_bce, vae_kl, ...), every input
with the batch axis, is evaluated in blocks of examples that stay in a core's cache, on
``_kernels.THREADS`` threads (the cores this process may use), each result written once: the same
numbers as in one piece. Arrays of another library that follows NumPy's protocols (Dask)
are computed with as they are.

Importing the package imports none of its modules: each function is imported with its
module when it is first used (``derive.numpy.softmax_ce`` or ``from derive.numpy import
softmax_ce``), so that ``import derive.numpy`` costs next to nothing over NumPy.

Do not edit: ``python -m derive.codegen`` writes this file.
"""

import importlib
import sys
import types

__all__ = ["adadelta", "adagrad", "adam", "add_norm", "attention", "autoencoder", "avg_pool2d", "batch_norm", "bernoulli_entropy", "ce_vs_mse", "cnn_classifier", "conv2d", "cross_attention", "cross_entropy_kl", "deep_chain", "dropout", "elbo", "feed_forward", "gan_discriminator", "gan_generator", "gan_optimum", "gaussian_kl", "gcn", "gd_trajectories", "jsd", "l1_linreg", "l2_linreg", "layer_norm", "linear_mse", "lstm_bptt", "lstm_step", "max_pool2d", "mlp_backprop", "mlp_backprop_binary", "mlp_backprop_multilabel", "mlp_backprop_regression", "momentum", "multihead_attention", "nesterov", "perceptron", "positional_encoding", "residual_chain", "rmsprop", "rnn_bptt", "rosenblatt", "scaled_dot_product_attention", "self_attention", "seq2seq", "seq2seq_attention", "sigmoid_bce", "softmax_ce", "vae_kl", "vae_loss", "vae_reparam", "vocabulary_output", "weight_init", "word2vec_cbow", "word2vec_negative_sampling", "word2vec_skipgram"]


class _Package(types.ModuleType):
    """The package, whose attribute of a function's name stays the function when its module is
    imported (``import derive.numpy.softmax_ce`` would bind the module there)."""

    def __setattr__(self, name, value):
        if name in __all__ and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name):
    """The function ``name`` (or the module ``_kernels``), imported on first use."""
    if name in __all__:
        function = getattr(importlib.import_module(f"{__name__}.{name}"), name)
        globals()[name] = function
        return function
    if name == "_kernels":
        return importlib.import_module(f"{__name__}._kernels")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
