"""Where and how a run computes: the tf.distribute strategy, precision, devices, the XLA cache and
the start-up clock. Imported by the run's phases, the commands and the training loop; imports no task.
"""
