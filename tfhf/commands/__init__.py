"""The commands besides `tfhf run`: eval, predict, export, bench and doctor. Each uses the same
preparation as a run (tfhf.train.preparation).
"""
