"""One run as its phases see it: everything prepared before training and what training changes.

`tfhf.engine` passes one TrainingRun from phase to phase (tfhf.run); each phase
reads what earlier ones set and adds its own part, so a phase can be called alone in a
test with a run object that holds just what it reads.
"""

from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

from tfhf.publish.model_card import write_model_card
from tfhf.publish.model_files import save_model_files
from tfhf.publish.run_metrics import RunMetrics
from tfhf.recipe import Recipe
from tfhf.runtime.startup_phases import StartupPhases
from tfhf.tasks.base import Task
from tfhf.train.loop import Progress, StepPlan


@dataclass
class TrainingRun:
    """What lives across one run, and the two ways it is saved while training goes on."""

    task: Task
    recipe: Recipe
    output_dir: Path
    log: object
    phases: StartupPhases = field(default_factory=StartupPhases)
    # data (prepare_data)
    raw: dict | None = None
    tokenized: dict | None = None
    tokenizer: object = None
    lengths_cut: dict = field(default_factory=dict)
    recipe_dict: dict | None = None
    """The recipe as recipe.json holds it (tuples become lists), which resuming compares."""
    fingerprints: dict | None = None
    saved: dict | None = None
    """The interrupted run to resume (tfhf.train.resume.saved_run), or None for a fresh start."""
    baselines: Future | None = None
    """The task's baseline scores, computed beside the model's preparation (tfhf.run.prepare.start_baselines)."""
    # runtime and model (prepare_model)
    strategy: object = None
    planned: object = None
    batch_size: int = 0
    buckets: object = None
    steps: StepPlan | None = None
    model: object = None
    step_callbacks: list = field(default_factory=list)
    state: object = None
    """Everything training changes, as one tf.train.Checkpoint (tfhf.train.checkpoints.trainable_state)."""
    evaluate: object = None
    evaluations: object = None
    store: object = None
    # scores and progress
    metrics: RunMetrics | None = None
    card_name: str = ""
    progress: Progress = field(default_factory=Progress)
    showcase_before: list = field(default_factory=list)
    predictions: list = field(default_factory=list)

    def save_checkpoint(self):
        """A checkpoint of training as it stands now (called by tfhf.train.loop.TrainingMonitor)."""
        checkpoint_state = {"progress": self.progress.to_dict()}
        best_weights = None
        if self.evaluations:
            checkpoint_state["evaluations"] = self.evaluations.state()
            best_weights = self.evaluations.best_weights
        return self.store.save(self.progress.global_step, self.state, checkpoint_state, best_weights)

    def save_snapshot(self, folder):
        """Model, tokenizer and model card as they are now: what a push during training sends."""
        save_model_files(self.model, self.tokenizer, self.task, self.recipe, folder)
        progress = self.progress
        scores = replace(self.metrics, train={"loss": progress.epoch_losses, "step_loss": progress.step_losses})
        if self.evaluations:
            scores.evaluations = self.evaluations.scores
        write_model_card(folder, self.recipe.to_dict(), scores.to_dict(), self.task, self.card_name)
