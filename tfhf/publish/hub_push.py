"""Pushing a run to the Hugging Face Hub while it trains, as the course's PushToHubCallback does.

At each epoch's end (and every `hub.every_steps` steps) the model, tokenizer and model
card are saved to a temporary snapshot folder, which a background thread commits to the
repo through the Hub's HTTP commit API (huggingface_hub's HfApi: no git, no git-lfs, so
the token is never put in a git remote). Training does not wait for the upload; when a
push is still running at the next save, that save is not pushed (the one after carries
newer weights anyway). The final push, of the finished output directory, is waited for.

A failed push (network, server, permissions) is reported in one line and the next save
pushes again; it never stops training. The token comes from the usual places (HF_TOKEN,
the `huggingface-cli login` file). It is only ever handed to HfApi: error messages are
scrubbed of it before they are printed, and nothing tfhf writes contains it.

`tfhf push RUN_DIR` sends a finished run again (after its final push failed) without
retraining.
"""

import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tensorflow as tf

from tfhf.errors import TfhfError
from tfhf.publish.run_dir import MARKER, marker, refuse_foreign_entries
from tfhf.train.loop import reached_multiple


def hub_token():
    """The Hub token from HF_TOKEN or the login file; a one-line error when there is none."""
    from huggingface_hub import get_token

    token = get_token()
    if not token:
        raise TfhfError("hub.repo_id is set but no Hub token was found: set HF_TOKEN or run `huggingface-cli login`")
    return token


def push_finished_run(run_dir, repo_id, log):
    """`tfhf push`: commits a finished run's output directory to `repo_id` (default: its recipe's hub.repo_id).

    Used after a final push failed: nothing retrains. A failed push raises TfhfError (one line, exit 2).
    """
    run_dir = Path(run_dir)
    if not (marker(run_dir) or {}).get("complete"):
        raise TfhfError(f"{run_dir} is not a finished tfhf run (its {MARKER} is missing or says it is incomplete)")
    try:
        hub = json.loads((run_dir / "recipe.json").read_text(encoding="utf-8")).get("hub") or {}
    except (OSError, ValueError, AttributeError):
        hub = {}
    repo_id = repo_id or hub.get("repo_id")
    if not repo_id:
        raise TfhfError(f"{run_dir}'s recipe sets no hub.repo_id: give the repo with --repo-id USER/NAME")
    refuse_foreign_entries(run_dir, f"pushing it to {repo_id}")  # a user's file is never sent to the Hub
    pusher = HubPusher(repo_id, hub_token(), log, private=bool(hub.get("private")))
    try:
        if not pusher.push_and_wait(run_dir, "Upload of a finished run"):
            raise TfhfError(
                f"pushing {run_dir} to {repo_id} failed ({pusher.failed[-1][1]}); nothing was retried: "
                "run `tfhf push` again once the Hub answers"
            )
    finally:
        pusher.close()


class HubPusher:
    """Commits folders to one Hub model repo, one at a time, in a background thread."""

    def __init__(self, repo_id, token, log, private=False):
        from huggingface_hub import HfApi

        self.repo_id = repo_id
        self._token = token
        self._api = HfApi(token=token)  # the endpoint comes from HF_ENDPOINT, as everywhere in huggingface_hub
        self._private = private
        self._log = log
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-push")
        self._running = None
        self._repo_ready = False
        self.pushed = []  # commit messages of the pushes that succeeded
        self.failed = []  # (commit message, reason) of those that did not

    def push_in_background(self, folder, message, remove_after=False):
        """Starts committing `folder`; returns False (and removes it, if asked) when a push is still running."""
        if self._running is not None and not self._running.done():
            self._log(f"hub: {message!r} not pushed: the previous push is still uploading (the next save will be)")
            if remove_after:
                shutil.rmtree(folder, ignore_errors=True)
            return False
        self._running = self._thread.submit(self._push, folder, message, remove_after, retried=True)
        return True

    def push_and_wait(self, folder, message):
        """Waits for a running push, then commits `folder` and waits for it; returns True if it succeeded.

        A failure is not logged here: nothing pushes again after it, so the caller says what to do
        (its reason is `failed[-1]`)."""
        self.wait()
        return self._thread.submit(self._push, folder, message, False, retried=False).result()

    def wait(self):
        if self._running is not None:
            self._running.result()

    def close(self):
        self._thread.shutdown(wait=True)

    def _push(self, folder, message, remove_after, retried):
        try:
            if not self._repo_ready:
                self._api.create_repo(self.repo_id, private=self._private, exist_ok=True)
                self._repo_ready = True
            self._api.upload_folder(
                repo_id=self.repo_id, folder_path=str(folder), commit_message=message, ignore_patterns=[MARKER]
            )
        except Exception as error:  # noqa: BLE001 -- any failure of a push is reported, never raised into training
            reason = self._scrub(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
            self.failed.append((message, reason))
            if retried:  # a push during training: the next save sends everything again
                self._log(f"hub: push {message!r} to {self.repo_id} failed ({reason}); the next save pushes again")
            return False
        finally:
            if remove_after:
                shutil.rmtree(folder, ignore_errors=True)
        self.pushed.append(message)
        self._log(f"hub: pushed {message!r} to {self.repo_id}")
        return True

    def _scrub(self, text):
        return text.replace(self._token, "<token>") if self._token else text


class HubPushCallback(tf.keras.callbacks.Callback):
    """Snapshots the run (`save_snapshot(folder)`) and pushes it at each epoch's end and every `every_steps` steps."""

    def __init__(self, pusher, save_snapshot, progress, every_steps=0):
        super().__init__()
        self.pusher = pusher
        self.save_snapshot = save_snapshot
        self.progress = progress  # tfhf.train.loop.Progress: global_step counts across resumed processes
        self.every_steps = every_steps
        self._pushed_step = None
        self._seen_step = progress.global_step  # where the last batch-end call left training

    def on_train_batch_end(self, batch, logs=None):
        step = self.progress.global_step
        if reached_multiple(self._seen_step, step, self.every_steps):
            self._push(f"Training in progress, step {step}")
        self._seen_step = step

    def on_epoch_end(self, epoch, logs=None):
        self._push(f"Training in progress, epoch {epoch + 1}")

    def _push(self, message):
        if self._pushed_step == self.progress.global_step:  # an every_steps push that fell on the epoch's end
            return
        self._pushed_step = self.progress.global_step
        folder = Path(tempfile.mkdtemp(prefix="tfhf-hub-"))
        self.save_snapshot(folder)
        self.pusher.push_in_background(folder, message, remove_after=True)
