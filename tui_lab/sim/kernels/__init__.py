"""Numba kernels, one module per model family: arrays in, arrays out, no hidden state."""
