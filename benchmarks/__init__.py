"""Benchmarks: each compares side by side in one run and prints a JSON summary."""
