"""Models and tokenizers from a Hub id, a local folder, or a config built from scratch.

transformers 4.55 to 4.57 cannot load a PyTorch-format `model.safetensors` into a TF
model (docs/stack.md: it iterates a safetensors archive, which is not iterable;
huggingface/transformers#40028, won't fix). Most Hub checkpoints ship only that file, so
tfhf loads it itself: build the TF model from the config, then feed the archive through
transformers' own PyTorch-to-TF weight mapping with an iterable view of it. No torch needed.

Every loader passes `trust_remote_code` explicitly (False unless the user opts in with
model.trust_remote_code or `tfhf predict --trust-remote-code`): a folder or repo whose
config names its own Python code is refused in one line instead of reaching
transformers' interactive prompt, which would import that code on a "y".
"""

import json
import os
import weakref
from contextlib import contextmanager
from dataclasses import dataclass

import tensorflow as tf
from huggingface_hub.errors import HFValidationError
from safetensors import SafetensorError, safe_open
from transformers import AutoConfig, AutoTokenizer
from transformers.modeling_tf_pytorch_utils import load_pytorch_state_dict_in_tf2_model
from transformers.utils import cached_file

from tfhf.errors import TfhfError
from tfhf.hub_errors import hub_failure

TF_WEIGHTS = "tf_model.h5"
MAX_MISSING_SHARE = 0.5  # of a model's weights a checkpoint may leave at their random initial values
SAFETENSORS_WEIGHTS = "model.safetensors"
# What loading each model did, beside it rather than on it: an attribute of a Keras model is tracked
_LOADED = weakref.WeakKeyDictionary()
LAST_TENSORFLOW_RELEASE = (
    "transformers 4.57 is the last release with TensorFlow classes; this run's model files load in PyTorch "
    "transformers 4 and 5 as well"
)


@dataclass(frozen=True)
class Loaded:
    """What loading a checkpoint did: which file, and which weights it did not fill or did not use."""

    weights_file: str
    new: tuple
    """The model's weights the checkpoint has no values for (a new task head): initialised at random."""
    unused: tuple
    """The checkpoint's tensors the model has no place for (buffers, another task's head, a pooler)."""

    @property
    def random_weights(self):
        """The new weights that start random: matrices (`*.weight`), not zero biases (Marian's final_logits_bias).
        A TensorFlow-format checkpoint reports whole layers, each of which holds weights."""
        if self.weights_file.endswith(TF_WEIGHTS):
            return self.new
        return tuple(name for name in self.new if name.endswith(".weight"))

    def describe(self, checkpoint, total):
        """One or two lines saying what was loaded, in tfhf's words instead of transformers' warnings."""
        kind = "PyTorch" if self.weights_file.endswith(SAFETENSORS_WEIGHTS) else "TensorFlow"
        how = f"{kind} {os.path.basename(self.weights_file)}{', read without torch' if kind == 'PyTorch' else ''}"
        lines = [f"loaded {total - len(self.new)} of {total} weights from {checkpoint} ({how})"]
        parts = []
        if self.new:
            parts.append(f"new, initialised at random and trained by this run: {', '.join(self.new)}")
        if self.unused:
            parts.append(f"in the checkpoint but unused by this task's model: {', '.join(self.unused)}")
        if parts:
            lines.append("; ".join(parts))
        return lines


@contextmanager
def quiet_transformers():
    """transformers' own loading warnings silenced: tfhf says what happened itself (Loaded.describe)."""
    from transformers.utils import logging as transformers_logging

    level = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()
    try:
        yield
    finally:
        transformers_logging.set_verbosity(level)


def load_pretrained_model(model_class, checkpoint, trust_remote_code=False, **config_overrides):
    """`model_class` (a TFAutoModelFor* class) with weights from `checkpoint`, TF or PyTorch format."""
    return load_checkpoint(model_class, checkpoint, trust_remote_code, **config_overrides)[0]


def new_weights(model):
    """The names of the weights of `model` its checkpoint did not fill (a new head), as loading reported them.

    PyTorch names ('classifier.weight') for a PyTorch checkpoint; the names of top-level layers
    holding weights for a TF one. () for a model built from scratch.
    """
    loaded = _LOADED.get(model)
    return loaded.new if loaded else ()


def random_new_weights(model):
    """The weights of `model` its checkpoint did not fill and that start random (a new head), as loaded here; ()
    for a model built from scratch, whose weights are all random."""
    loaded = _LOADED.get(model)
    return loaded.random_weights if loaded else ()


def load_checkpoint(model_class, checkpoint, trust_remote_code=False, **config_overrides):
    """(the model of load_pretrained_model, what loading it did: a Loaded)."""
    model, loaded = _load_checkpoint(model_class, checkpoint, trust_remote_code, **config_overrides)
    _LOADED[model] = loaded
    return model, loaded


def _load_checkpoint(model_class, checkpoint, trust_remote_code=False, **config_overrides):
    if os.path.isdir(checkpoint) and not os.path.isfile(os.path.join(checkpoint, "config.json")):
        raise TfhfError(f"could not load model from {checkpoint}: the folder has no config.json")
    options = {"trust_remote_code": trust_remote_code, **config_overrides}
    safetensors_file = None
    try:
        tf_file = _find(checkpoint, TF_WEIGHTS)
        safetensors_file = None if tf_file else _find(checkpoint, SAFETENSORS_WEIGHTS)
        with quiet_transformers():
            if safetensors_file and _safetensors_format(safetensors_file) == "pt":
                return _load_pytorch_safetensors(model_class, checkpoint, safetensors_file, options)
            if tf_file:  # beside PyTorch safetensors, transformers would pick those and fail (the same bug)
                options["use_safetensors"] = False
            model, info = model_class.from_pretrained(checkpoint, output_loading_info=True, **options)
        # A TensorFlow checkpoint is matched layer by layer: only layers that hold weights count
        weighted = {layer.name for layer in model.layers if layer.weights}
        new = tuple(sorted(name for name in info["missing_keys"] if name in weighted))
        unused = tuple(sorted(name for name in info["unexpected_keys"] if not name.startswith("dropout")))
        return model, Loaded(tf_file or safetensors_file or checkpoint, new, unused)
    except SafetensorError as error:
        if safetensors_file and not os.path.isdir(checkpoint):  # a cached download that is damaged
            raise TfhfError(
                f"the Hub cache's copy of {checkpoint}'s {SAFETENSORS_WEIGHTS} is damaged ({error}): delete "
                f"{os.path.realpath(safetensors_file)} and run again to download it anew"
            ) from None
        raise TfhfError(_unavailable(checkpoint, "model", error)) from None
    except (OSError, ValueError, HFValidationError) as error:
        raise TfhfError(_unavailable(checkpoint, "model", error)) from None


def load_config(checkpoint, trust_remote_code=False):
    """The model config of a Hub id or folder, without loading any weights."""
    try:
        return AutoConfig.from_pretrained(checkpoint, trust_remote_code=trust_remote_code)
    except (OSError, ValueError, HFValidationError) as error:
        raise TfhfError(_unavailable(checkpoint, "model config", error)) from None


def load_tokenizer(name, trust_remote_code=False):
    try:
        return AutoTokenizer.from_pretrained(name, trust_remote_code=trust_remote_code)
    except (OSError, HFValidationError, ValueError) as error:
        raise TfhfError(_unavailable(name, "tokenizer", error)) from None
    except AttributeError as error:  # e.g. a folder with tokenizer_config.json but no vocabulary files
        raise TfhfError(f"could not load tokenizer from {name}: its files are incomplete ({error})") from None
    except Exception as error:  # noqa: BLE001 -- the tokenizers library raises a bare Exception on a bad file
        raise TfhfError(f"could not load tokenizer from {name}: {unreadable_tokenizer_file(name, error)}") from None


def unreadable_tokenizer_file(name, error):
    """Which of a tokenizer folder's files could not be read, and why, for a one-line error."""
    for file_name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        path = os.path.join(name, file_name)
        if not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8") as f:
                json.load(f)
        except (OSError, ValueError) as bad:
            return f"{path} is not valid JSON ({str(bad).splitlines()[0][:200]}); replace it or remove the folder"
    return f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else 'unreadable files'}"


def build_model(model_class, architecture, **special_ids):
    """A freshly initialised model from an architecture dict with a 'model_type' key."""
    architecture = dict(architecture)
    model_type = architecture.pop("model_type", None)
    if not model_type:
        raise TfhfError("model.config needs a 'model_type' (e.g. 'marian') to build a model from scratch")
    taken = sorted(set(architecture) & set(special_ids))
    if taken:
        raise TfhfError(f"model.config sets {', '.join(taken)}, which tfhf takes from the tokenizer; remove it")
    try:
        config = AutoConfig.for_model(model_type, **architecture, **special_ids)
    except ValueError as error:
        raise TfhfError(f"model.config: {str(error).splitlines()[0]}") from None
    try:
        with quiet_transformers():  # its deprecation notice: tfhf says it once, in its own words
            model = model_class.from_config(config)
            model.build_in_name_scope()
    except ValueError as error:
        if "Unrecognized configuration class" in str(error):
            raise TfhfError(
                f"model.config: a {model_type!r} model cannot do this task ({model_class.__name__} has no "
                f"{type(config).__name__}); choose another model_type"
            ) from None
        raise TfhfError(f"model.config: {str(error).splitlines()[0][:300]}") from None
    except (NotImplementedError, TypeError, AssertionError, tf.errors.InvalidArgumentError) as error:
        # transformers checks some settings with assert (e.g. a hidden size the heads must divide)
        raise TfhfError(
            f"model.config cannot build a {model_type!r} model: {str(error).splitlines()[0][:300]}; "
            "change the model.config keys it names"
        ) from None
    return model


class _IterableArchive:
    """A safetensors archive that also iterates over its keys, which transformers expects."""

    def __init__(self, archive):
        self._archive = archive

    def __iter__(self):
        return iter(self._archive.keys())

    def get_tensor(self, name):
        return self._archive.get_tensor(name)


def _load_pytorch_safetensors(model_class, checkpoint, safetensors_file, options):
    config = AutoConfig.from_pretrained(checkpoint, **options)
    model = model_class.from_config(config)
    model.build_in_name_scope()
    with safe_open(safetensors_file, framework="tf") as archive:
        _, loading_info = load_pytorch_state_dict_in_tf2_model(
            model,
            _IterableArchive(archive),
            tf_inputs=False,
            allow_missing_keys=True,
            output_loading_info=True,
            tf_to_pt_weight_rename=getattr(model, "tf_to_pt_weight_rename", None),
        )
    _check_mostly_loaded(model, loading_info["missing_keys"], safetensors_file)
    new, unused = (tuple(sorted(loading_info[key])) for key in ("missing_keys", "unexpected_keys"))
    return model, Loaded(safetensors_file, new, unused)


def _check_mostly_loaded(model, missing, weights_file):
    """Refuses a weights file that fills too few of the model's weights: it was saved from another architecture.

    A new task head is missing by design (a few tensors of hundreds), so only a file that
    leaves most weights at their random initial values is refused.
    """
    share = len(missing) / max(len(model.weights), 1)
    if share > MAX_MISSING_SHARE:
        raise TfhfError(
            f"{weights_file} has no weights for {len(missing)} of the {len(model.weights)} weights of "
            f"{type(model).__name__} (e.g. {min(missing)}): it holds another architecture's weights"
        )


def _safetensors_format(path):
    with safe_open(path, framework="np") as archive:
        return (archive.metadata() or {}).get("format")


def _find(checkpoint, filename):
    """Local path of `filename` in a folder or a Hub repo (downloaded or cached), or None."""
    if os.path.isdir(checkpoint):
        path = os.path.join(checkpoint, filename)
        return path if os.path.isfile(path) else None
    return cached_file(
        checkpoint,
        filename,
        _raise_exceptions_for_missing_entries=False,
        _raise_exceptions_for_connection_errors=False,
    )


def _unavailable(name, what, error):
    if "contains custom code" in str(error):
        return (
            f"{name} needs Python code from its own files to load its {what} (auto_map in its config); tfhf runs no "
            "such code unless you allow it: model.trust_remote_code=True (tfhf predict: --trust-remote-code)"
        )
    if os.path.exists(name):
        return f"could not load {what} from {name}: {str(error).splitlines()[0][:200]}"
    failure = hub_failure(error, what, name)
    if failure:
        return failure
    return f"could not load {what} {name!r}: not a local folder, and not found on the Hub or in its cache (offline?)"
