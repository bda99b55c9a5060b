"""The model files of an output directory (and of every push): what each framework loads.

- `tf_model.h5` and `config.json`: TensorFlow transformers (`TFAutoModelFor*`);
- `model.safetensors` in PyTorch's names and layouts (tfhf.model.pytorch_weights): PyTorch
  transformers, transformers 5, and the Hub's tools;
- the tokenizer;
- the settings the model was evaluated with, where its task has some
  (`Task.record_inference_settings`: generation length and beams in
  generation_config.json, a source prefix in the config), so a pipeline on the folder
  behaves as the evaluation did;
- with LoRA (train.lora_rank), the model files hold the adapters merged into the weights,
  so they load anywhere as a plain model, and `adapter/` holds the adapters alone in
  PEFT's format (tfhf.model.peft_adapter), for the base checkpoint.
"""

import warnings

from tfhf.model.lora import merged_copy
from tfhf.model.peft_adapter import write_adapter
from tfhf.model.pytorch_weights import write_pytorch_weights


def save_model_files(model, tokenizer, task, recipe, folder):
    task.record_inference_settings(model, recipe)
    merged = merged_copy(model)  # a copy: `model` goes on training, and is saved again at the next push
    with warnings.catch_warnings():
        # Marian-style configs carry generation ids (forced_eos_token_id) that transformers 4.57
        # asks to move to generation_config; both are saved and read back correctly.
        warnings.filterwarnings("ignore", "Some non-default generation parameters")
        merged.save_pretrained(folder)
    write_pytorch_weights(merged, folder)
    tokenizer.save_pretrained(folder)
    write_adapter(model, folder, recipe.model.checkpoint)
