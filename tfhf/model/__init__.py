"""Models and what runs them: loading checkpoints (PyTorch-format safetensors without torch), position
limits, XLA generation, batched inference outputs, PyTorch-named weights, and LoRA adapters with
PEFT's adapter files.
"""
