"""Training: the shared preparation of a run, the preflight checks, the optimizer, the train step and
its tracing, the epoch loop, evaluations during training, checkpoints, resume, signals and progress.
"""
