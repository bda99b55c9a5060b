"""Every task tfhf runs, keyed by the Hub's pipeline_tag. A plain dict: no registration magic."""

from tfhf.tasks.translation import TRANSLATION

TASKS = {TRANSLATION.name: TRANSLATION}
