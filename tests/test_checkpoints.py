"""Checkpoint store (atomic saves, pruning, restore), data order and resume decisions, without a full run."""

import json
import threading

import numpy as np
import pytest
import tensorflow as tf

from tfhf.errors import TfhfError
from tfhf.train import checkpoints as checkpoints_module
from tfhf.train.checkpoints import CheckpointStore, trainable_state
from tfhf.train.loop import ContentSeededCollator, epoch_order
from tfhf.train.resume import differing_settings, saved_run


def tiny_model():
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    optimizer = tf.keras.optimizers.Adam(0.1)
    model.compile(optimizer=optimizer, loss="mse")
    return model, optimizer


def train_a_step(model):
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)


def test_a_save_that_fails_midway_leaves_the_previous_checkpoint_latest_and_loadable(tmp_path, monkeypatch):
    model, optimizer = tiny_model()
    state = trainable_state(model, optimizer)
    store = CheckpointStore(tmp_path / "checkpoints")
    train_a_step(model)
    first = store.save(1, state, {"step": 1})
    store.wait()
    saved_weights = model.get_weights()
    train_a_step(model)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoints_module, "sync_folder", disk_full)  # after the files are written, before the rename
    store.save(2, state, {"step": 2})  # written in the background: its error comes with the next wait
    with pytest.raises(OSError, match="No space left"):
        store.wait()
    monkeypatch.undo()

    assert (tmp_path / "checkpoints" / ".partial-ckpt-00000002").exists()  # the half-written save
    reopened = CheckpointStore(tmp_path / "checkpoints")
    assert not (tmp_path / "checkpoints" / ".partial-ckpt-00000002").exists()  # cleaned when reopened
    assert reopened.latest() == first
    fresh_model, fresh_optimizer = tiny_model()
    checkpoint_state, best = CheckpointStore.restore(first, trainable_state(fresh_model, fresh_optimizer))
    assert checkpoint_state == {"step": 1} and best is None
    for restored, saved in zip(fresh_model.get_weights(), saved_weights):
        np.testing.assert_array_equal(restored, saved)
    assert int(fresh_optimizer.iterations) == 1  # the optimizer's state came back too


def test_training_goes_on_while_a_save_is_written_and_the_save_holds_the_weights_it_began_with(tmp_path, monkeypatch):
    model, optimizer = tiny_model()
    state = trainable_state(model, optimizer)
    store = CheckpointStore(tmp_path)
    train_a_step(model)
    first = store.save(1, state, {"step": 1})
    store.wait()
    train_a_step(model)
    weights_at_save = model.get_weights()
    written, release = threading.Event(), threading.Event()
    real_sync_folder = checkpoints_module.sync_folder

    def held_sync_folder(folder):  # holds the save between writing its files and publishing them
        written.set()
        release.wait(timeout=60)
        real_sync_folder(folder)

    monkeypatch.setattr(checkpoints_module, "sync_folder", held_sync_folder)
    second = store.save(2, state, {"step": 2})
    assert written.wait(timeout=60)
    train_a_step(model)  # the weights move on while the save is unfinished
    assert (tmp_path / "latest").read_text().strip() == first.name and not second.exists()  # a crash now keeps `first`
    release.set()
    assert store.latest() == second  # once the save in flight is complete
    fresh_model, fresh_optimizer = tiny_model()
    checkpoint_state, _ = CheckpointStore.restore(second, trainable_state(fresh_model, fresh_optimizer))
    assert checkpoint_state == {"step": 2} and int(fresh_optimizer.iterations) == 2
    for restored, saved, now in zip(fresh_model.get_weights(), weights_at_save, model.get_weights()):
        np.testing.assert_array_equal(restored, saved)
        assert not np.array_equal(restored, now)


@pytest.mark.parametrize("in_background", [True, False])
def test_only_the_newest_checkpoints_are_kept_and_best_weights_round_trip(tmp_path, in_background):
    model, optimizer = tiny_model()
    state = trainable_state(model, optimizer)
    store = CheckpointStore(tmp_path, keep=2, in_background=in_background)
    best = [np.arange(3.0), np.eye(2)]
    for step in (5, 10, 15):
        store.save(step, state, {"step": step}, best_weights=best if step == 15 else None)
    store.wait()
    assert sorted(path.name for path in tmp_path.glob("ckpt-*")) == ["ckpt-00000010", "ckpt-00000015"]
    assert store.latest().name == "ckpt-00000015"
    _, restored_best = CheckpointStore.restore(store.latest(), state)
    for restored, saved in zip(restored_best, best):
        np.testing.assert_array_equal(restored, saved)


def test_a_latest_file_naming_a_missing_checkpoint_is_a_clear_error(tmp_path):
    (tmp_path / "latest").write_text("ckpt-00000007\n")
    with pytest.raises(TfhfError, match="names ckpt-00000007, which is missing or incomplete; rerun with --restart"):
        CheckpointStore(tmp_path).latest()


def test_the_epoch_order_is_a_permutation_fixed_by_seed_and_epoch():
    order = epoch_order(50, seed=3, epoch=1)
    assert sorted(order) == list(range(50))
    np.testing.assert_array_equal(order, epoch_order(50, seed=3, epoch=1))
    assert not np.array_equal(order, epoch_order(50, seed=3, epoch=2))
    assert not np.array_equal(order, epoch_order(50, seed=4, epoch=1))


def test_a_random_collator_draws_the_same_for_the_same_batch_whatever_ran_before():
    def draws(examples):
        return np.random.random(4)

    collate = ContentSeededCollator(draws, seed=1)
    batch, other = [{"input_ids": [1, 2, 3]}], [{"input_ids": [4, 5]}]
    first = collate(batch)
    collate(other)
    np.random.random(10)
    np.testing.assert_array_equal(collate(batch), first)
    assert not np.array_equal(collate(other), first)


def test_a_resume_with_other_settings_names_each_difference(tmp_path):
    saved = {"task": "translation", "train": {"epochs": 3, "learning_rate": 0.001}, "output": {"dir": "a"}}
    current = {"task": "translation", "train": {"epochs": 4, "learning_rate": 0.001}, "output": {"dir": "b"}}
    assert differing_settings(saved, current) == ["train.epochs: 3 there, 4 here"]  # output.dir may differ
    # a setting newer than the saved run's tfhf: at its default it changes nothing, set it does
    newer = {**current, "train": {**current["train"], "epochs": 3, "lora_modules_to_save": ()}}
    assert differing_settings(saved, newer) == []
    newer["train"]["lora_modules_to_save"] = ("pooler",)
    assert differing_settings(saved, newer) == ["train.lora_modules_to_save: None there, ('pooler',) here"]
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    (folder / "latest").write_text("ckpt-00000001\n")
    data = {"train": "abc", "validation": "def"}
    (folder / "run.json").write_text(json.dumps({"recipe": saved, "data": data, "scores": {}}))
    with pytest.raises(TfhfError, match=r"other settings \(train.epochs: 3 there, 4 here\).*--restart"):
        saved_run(tmp_path, current, data, restart=False, log=print)
    assert saved_run(tmp_path, saved, data, restart=False, log=print) == {"recipe": saved, "data": data, "scores": {}}
    assert saved_run(tmp_path, current, data, restart=True, log=lambda line: None) is None
    assert not folder.exists()  # --restart discarded them


@pytest.mark.parametrize("damage", ["latest binary", "latest a folder", "state.json corrupt", "variables truncated"])
def test_a_damaged_newest_checkpoint_falls_back_to_the_newest_complete_one(tmp_path, damage):
    model, optimizer = tiny_model()
    state = trainable_state(model, optimizer)
    folder = tmp_path / "checkpoints"
    store = CheckpointStore(folder, keep=3)
    train_a_step(model)
    older = store.save(1, state, {"step": 1})
    store.wait()
    saved_weights = model.get_weights()
    train_a_step(model)
    newest = store.save(2, state, {"step": 2})
    store.wait()
    if damage == "latest binary":
        (folder / "latest").write_bytes(b"\xff\xfe\x00garbage")
    elif damage == "latest a folder":
        (folder / "latest").unlink()
        (folder / "latest").mkdir()
    elif damage == "state.json corrupt":
        (newest / "state.json").write_text('{"step": ')
    else:
        data = next(newest.glob("variables.data-*"))
        data.write_bytes(data.read_bytes()[:10])

    lines = []
    fresh_model, fresh_optimizer = tiny_model()
    reopened = CheckpointStore(folder, keep=3, log=lines.append)
    path, checkpoint_state, _ = reopened.restore_newest(trainable_state(fresh_model, fresh_optimizer))
    if damage.startswith("latest"):
        assert path == newest and checkpoint_state == {"step": 2}
        assert lines == [f"{folder / 'latest'} cannot be read (" + lines[0].split("(")[1]]
        assert lines[0].endswith("using ckpt-00000002, the newest complete checkpoint")
    else:
        assert path == older and checkpoint_state == {"step": 1}
        for restored, saved in zip(fresh_model.get_weights(), saved_weights):
            np.testing.assert_array_equal(restored, saved)
        assert lines, "the fallback is logged"
