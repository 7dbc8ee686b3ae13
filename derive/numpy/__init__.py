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

Do not edit: ``python -m derive.codegen`` writes this file.
"""

from derive.numpy.attention import attention
from derive.numpy.autoencoder import autoencoder
from derive.numpy.bernoulli_entropy import bernoulli_entropy
from derive.numpy.ce_vs_mse import ce_vs_mse
from derive.numpy.cross_entropy_kl import cross_entropy_kl
from derive.numpy.deep_chain import deep_chain
from derive.numpy.elbo import elbo
from derive.numpy.gan_discriminator import gan_discriminator
from derive.numpy.gan_generator import gan_generator
from derive.numpy.gaussian_kl import gaussian_kl
from derive.numpy.jsd import jsd
from derive.numpy.l1_linreg import l1_linreg
from derive.numpy.l2_linreg import l2_linreg
from derive.numpy.linear_mse import linear_mse
from derive.numpy.lstm_bptt import lstm_bptt
from derive.numpy.lstm_step import lstm_step
from derive.numpy.mlp_backprop import mlp_backprop
from derive.numpy.mlp_backprop_binary import mlp_backprop_binary
from derive.numpy.mlp_backprop_multilabel import mlp_backprop_multilabel
from derive.numpy.mlp_backprop_regression import mlp_backprop_regression
from derive.numpy.perceptron import perceptron
from derive.numpy.residual_chain import residual_chain
from derive.numpy.rnn_bptt import rnn_bptt
from derive.numpy.sigmoid_bce import sigmoid_bce
from derive.numpy.softmax_ce import softmax_ce
from derive.numpy.vae_kl import vae_kl
from derive.numpy.vae_loss import vae_loss
from derive.numpy.vae_reparam import vae_reparam

__all__ = ["attention", "autoencoder", "bernoulli_entropy", "ce_vs_mse", "cross_entropy_kl", "deep_chain", "elbo", "gan_discriminator", "gan_generator", "gaussian_kl", "jsd", "l1_linreg", "l2_linreg", "linear_mse", "lstm_bptt", "lstm_step", "mlp_backprop", "mlp_backprop_binary", "mlp_backprop_multilabel", "mlp_backprop_regression", "perceptron", "residual_chain", "rnn_bptt", "sigmoid_bce", "softmax_ce", "vae_kl", "vae_loss", "vae_reparam"]
