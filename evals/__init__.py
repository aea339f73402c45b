"""Evaluations of the platform's behaviour on datasets kept in ``evals/datasets``."""
