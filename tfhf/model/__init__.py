"""Models and what runs them: loading checkpoints (PyTorch-format safetensors without torch), position
limits, XLA generation, batched inference outputs, and PyTorch-named weights.
"""
