"""What a run leaves behind: the run folder's ownership marker and atomic publish, the metrics
schema, model files in TensorFlow and PyTorch formats, the model card, TensorBoard scores and the Hub push.
"""
