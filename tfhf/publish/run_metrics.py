"""A run's scores, in one schema: what metrics.json holds, what run.json keeps for a resume, what the card shows.

Only this module turns them into dicts and back, so the keys are spelled in one place.
"""

import dataclasses
from dataclasses import dataclass, field


@dataclass
class RunMetrics:
    task: str
    data: dict | None = None
    """What was trained and scored on: source (a Hub id, or a local file's name only), config, example counts,
    validation (which split), cut_by_length ({length setting: {split: share of examples longer, so cut}})."""
    baselines: list = field(default_factory=list)
    """The task's baselines' scores on the validation split, each with its name (e.g. lead_3)."""
    before: dict | None = None
    """Validation scores of the model before training (eval.before_training)."""
    after: dict | None = None
    """Validation scores after training (of the kept weights, with eval.best_metric)."""
    train: dict | None = None
    """seconds, samples_per_second, steps and the loss of each epoch; stopped_early after eval.patience ran out."""
    evaluations: list = field(default_factory=list)
    """Validation scores during training (eval.each_epoch, eval.every_steps), each with its "step" and "epoch"."""
    best_step: int | None = None
    """The optimizer step whose weights were kept (eval.best_metric)."""
    parameters: dict | None = None
    """With LoRA (train.lora_rank): {"trained", "total"}, how many of the model's parameters training changed."""
    startup: dict | None = None
    """This process's wall seconds before its first training step: phases ({name: seconds}) and to_first_step."""

    def to_dict(self):
        """The JSON form: unset parts left out."""
        return {key: value for key, value in dataclasses.asdict(self).items() if value not in (None, [])}

    @classmethod
    def from_dict(cls, values):
        return cls(**{f.name: values[f.name] for f in dataclasses.fields(cls) if f.name in values})
