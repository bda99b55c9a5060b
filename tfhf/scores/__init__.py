"""Scoring: metrics, honest baselines, SQuAD matching, degenerate-output warnings and token losses."""
