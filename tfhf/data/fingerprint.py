"""A content fingerprint of a run's data, so a resumed run can refuse data that changed under it.

The hash covers the columns the task reads from each split, in order, which is also
everything a trained tokenizer learns from. Recipe settings are compared separately
(tfhf.train.resume); this catches the files themselves changing between a kill and a rerun.
"""

import hashlib
import json

BATCH_ROWS = 4096


def data_fingerprints(splits, columns, data=None):
    """{split name: hex digest} of `columns` of each split of `splits`; a streamed split (tfhf.data.streaming) by its
    file's size and time, or its first rows."""
    from tfhf.data.streaming import stream_fingerprint
    from tfhf.tasks.chunking import is_stream

    return {
        name: stream_fingerprint(data, split) if is_stream(split) else split_fingerprint(split, columns)
        for name, split in splits.items()
    }


def split_fingerprint(split, columns):
    digest = hashlib.sha256(json.dumps(list(columns)).encode())
    for batch in split.select_columns(list(columns)).iter(batch_size=BATCH_ROWS):
        digest.update(json.dumps([batch[column] for column in columns], ensure_ascii=False, default=str).encode())
    return digest.hexdigest()[:16]
