"""The phases of `tfhf run`, in the order tfhf.engine calls them, over one TrainingRun (state.py):

prepare.py  data, tokenizer, runtime, model, preflight, optimizer
start.py    a fresh start (baselines, evaluation before training) or a resume from a checkpoint
fit.py      the callbacks and Keras `fit`, epoch by epoch
finish.py   evaluation after training, then the output directory and the Hub
"""
