"""tfhf: a Keras/TensorFlow training framework for Hugging Face models, driven by recipes."""

import os

# transformers' TF models are built on Keras 2 (the tf-keras package); TensorFlow 2.16+
# would otherwise hand out Keras 3 as `tf.keras`. Must be set before TensorFlow is imported.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
# TensorFlow's C++ start-up chatter (CUDA probing, oneDNN notices) buries the run's own output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
