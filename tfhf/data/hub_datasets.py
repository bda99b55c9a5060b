"""Hub datasets, including the script-only ones datasets >= 4 refuses to run.

Many of the course's datasets (kde4, conll2003, ...) are, or were, a loading script on
the Hub. datasets 4 and later refuse those ("Dataset scripts are no longer supported"),
but the Hub keeps an automatic Parquet conversion of each at the revision
`refs/convert/parquet`, one folder per config (`en-fr/train/0000.parquet`). tfhf loads
that folder instead, with one log line saying so. The script's own arguments that pick a
config are mapped to the folder's name: KDE4's lang1="en", lang2="fr" is config "en-fr".
"""

from pathlib import Path

import datasets
import huggingface_hub.constants
from huggingface_hub import HfApi, snapshot_download
from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError
from huggingface_hub.hf_api import RepoFolder

from tfhf.errors import TfhfError
from tfhf.hub_errors import hub_failure

CONVERSION = "refs/convert/parquet"
SCRIPT_REFUSED = "Dataset scripts are no longer supported"
LANGUAGE_PAIR = ("lang1", "lang2")  # the arguments of the OPUS scripts (kde4, opus_books, ...)


def load_hub_dataset(spec, log=None):
    """DatasetDict of the Hub dataset `spec.path` (config `spec.name`, `spec.load_kwargs`)."""
    if _is_script_only(spec.path):
        return _load_conversion(spec, log)
    try:
        return datasets.load_dataset(spec.path, spec.name, **spec.load_kwargs)
    except Exception as error:  # noqa: BLE001 -- offline, unknown id, bad config: one line naming the dataset
        if SCRIPT_REFUSED in str(error):
            return _load_conversion(spec, log)
        if huggingface_hub.constants.HF_HUB_OFFLINE:  # offline, a script-only dataset is cached as its conversion
            try:
                return _load_conversion(spec, log)
            except TfhfError:
                pass
        raise TfhfError(_could_not_load(spec, error)) from None


def _is_script_only(repo_id):
    """Whether the Hub repo holds a loading script (`NAME.py` at its top); False if that cannot be asked."""
    if huggingface_hub.constants.HF_HUB_OFFLINE:
        return False
    try:
        files = [sibling.rfilename for sibling in HfApi().dataset_info(repo_id).siblings or ()]
    except (HfHubHTTPError, OSError, ValueError):  # unknown, gated, unreachable: load_dataset says which
        return False
    return f"{repo_id.split('/')[-1]}.py" in files


def _load_conversion(spec, log):
    config = _conversion_config(spec)
    try:
        folder = Path(snapshot_download(spec.path, repo_type="dataset", revision=CONVERSION,
                                        allow_patterns=[f"{config}/*/*.parquet"]))  # fmt: skip
    except Exception as error:  # noqa: BLE001 -- offline without a cache, server gone: one line
        raise TfhfError(_could_not_load(spec, error, f" (its Parquet conversion, config {config!r})")) from None
    splits = {}
    for split_folder in sorted((folder / config).glob("*/")):
        # a conversion cut short for size holds "partial-train": the first rows of train
        splits[split_folder.name.removeprefix("partial-")] = sorted(str(f) for f in split_folder.glob("*.parquet"))
    if not splits:
        raise TfhfError(f"dataset {spec.path!r}: its Parquet conversion has no files for config {config!r}")
    if log:
        log(
            f"{spec.path} is a loading script, which datasets >= 4 does not run: read the Hub's Parquet "
            f"conversion of config {config!r} instead (revision {CONVERSION}, splits {', '.join(splits)})"
        )
    return datasets.load_dataset("parquet", data_files=splits)


def _conversion_config(spec):
    """The conversion's folder for the config the recipe asks for, checked against the folders there."""
    wanted = spec.name
    if wanted is None and all(key in spec.load_kwargs for key in LANGUAGE_PAIR):
        wanted = "-".join(str(spec.load_kwargs[key]) for key in LANGUAGE_PAIR)
    configs = _conversion_configs(spec.path)
    if not configs:
        raise TfhfError(
            f"dataset {spec.path!r} is a loading script, which datasets >= 4 does not run, and the Hub has no "
            f"Parquet conversion of it: convert it yourself and set data.path to the files"
        )
    if wanted is None and len(configs) == 1:
        return configs[0]
    if wanted not in configs:
        asked = f"config {wanted!r} is not among" if wanted else "pick one of"
        raise TfhfError(
            f"dataset {spec.path!r}: {asked} its Parquet conversion's configs ({', '.join(configs)}); set data.name"
        )
    return wanted


def _conversion_configs(repo_id):
    """The config folders at the conversion revision ([] if there is none); offline, those in the cache."""
    try:
        if huggingface_hub.constants.HF_HUB_OFFLINE:
            cached = Path(snapshot_download(repo_id, repo_type="dataset", revision=CONVERSION, local_files_only=True))
            return sorted(folder.name for folder in cached.iterdir() if folder.is_dir())
        entries = HfApi().list_repo_tree(repo_id, repo_type="dataset", revision=CONVERSION)
        return sorted(entry.path for entry in entries if isinstance(entry, RepoFolder))
    except LocalEntryNotFoundError:
        raise TfhfError(f"dataset {repo_id!r}: offline, and its Parquet conversion is not in the cache") from None
    except HfHubHTTPError as error:
        if error.response is not None and error.response.status_code == 404:
            return []
        cause = str(error).splitlines()[0]
        raise TfhfError(f"could not list the Parquet conversion of dataset {repo_id!r} ({cause})") from None


def _could_not_load(spec, error, what=""):
    failure = hub_failure(error, "dataset", spec.path)
    if failure:
        return failure
    cause = str(error).splitlines()[0] if str(error) else type(error).__name__
    return f"could not load dataset {spec.path!r}{what} from the Hub or its cache ({type(error).__name__}: {cause})"
