"""Progress lines for a log file: at most one per interval, with the step, epoch, loss, speed and time left."""

from tfhf.train import progress as log_progress
from tfhf.train.loop import Progress
from tfhf.train.progress import LogProgress


def test_a_line_every_interval_with_step_epoch_loss_speed_and_eta(monkeypatch):
    clock = iter(range(0, 1000, 10))  # each call 10 s later
    monkeypatch.setattr(log_progress.time, "perf_counter", lambda: next(clock))
    lines, progress = [], Progress()
    callback = LogProgress(progress, total_steps=40, steps_per_epoch=10, log=lines.append, every_seconds=30)
    callback.on_train_begin()
    for batch in range(12):
        progress.global_step += 1
        callback.on_train_batch_end(batch, {"loss": 2.5 - batch / 10})
    assert lines[0] == "step 3/40 (epoch 1/4), loss 2.3000, 0.10 steps/s, about 6m10s left"
    assert len(lines) == 4 and lines[-1].startswith("step 12/40 (epoch 2/4)")  # every 3 steps of 10 s
