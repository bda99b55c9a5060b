"""Examples from files, the Hub or a stream, into splits; their lengths, fingerprints, tokenizers
trained from them, and the batches (length buckets, static shapes) Keras trains on.
"""
