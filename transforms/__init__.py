"""Transforms: pure pandas. DataFrame in, DataFrame out; no I/O, no clock, no globals."""
