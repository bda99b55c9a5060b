"""Gradient checkpointing (train.gradient_checkpointing): each transformer block's activations recomputed, not kept.

Without it, the backward pass needs every intermediate tensor of every block (attention
probabilities, the feed-forward's wide activations, dropout masks), so all of them stay
alive from the forward pass to the backward. With it, each block's call runs under
`tf.recompute_grad`: the forward keeps only the block's inputs and outputs, and the
backward runs the block again to get the rest, one block at a time. Memory for
activations then grows with one block's intermediates plus one hidden state per block,
for about a third more compute (one more forward pass).

Dropout must draw the same masks when the block runs again, or the gradients would belong
to another forward pass. tfhf's dropout draws from tf_keras's tf.random.Generator
variables (tfhf.runtime.start), which advance at each draw; so the recomputation first
puts each of the block's generators back to the state it had before the block's forward
pass. After the recomputation they stand where the forward pass left them, as without
checkpointing: the run draws exactly the masks it would draw without it.
"""

import inspect

import tensorflow as tf

from tfhf.errors import TfhfError

_INSTALLED = "_tfhf_recomputes_activations"


def block_classes():
    """{model_type: the transformers classes whose calls are recomputed}: the architectures tfhf trains."""
    from transformers.models.bert.modeling_tf_bert import TFBertLayer
    from transformers.models.distilbert.modeling_tf_distilbert import TFTransformerBlock
    from transformers.models.gpt2.modeling_tf_gpt2 import TFBlock
    from transformers.models.marian.modeling_tf_marian import TFMarianDecoderLayer, TFMarianEncoderLayer
    from transformers.models.t5.modeling_tf_t5 import TFT5Block

    return {
        "bert": (TFBertLayer,),
        "distilbert": (TFTransformerBlock,),
        "gpt2": (TFBlock,),
        "marian": (TFMarianEncoderLayer, TFMarianDecoderLayer),
        "t5": (TFT5Block,),
        "mt5": (TFT5Block,),
    }


def checkpoint_blocks(model):
    """Makes every transformer block of `model` (built already) recompute its activations in the backward pass.

    Only training calls change; evaluation and generation call the blocks as before.
    Returns the number of blocks.
    """
    classes = block_classes()
    model_type = model.config.model_type
    if model_type not in classes:
        raise TfhfError(
            f"train.gradient_checkpointing supports {', '.join(classes)} models, not {model_type!r}: set it to False"
        )
    blocks = [layer for layer in model.submodules if isinstance(layer, classes[model_type])]
    for block in blocks:
        if not getattr(block, _INSTALLED, False):
            block.call = _recomputing_call(block, block.call, _generator_states(block))
            setattr(block, _INSTALLED, True)
    return len(blocks)


def _generator_states(block):
    """The state variables of the tf.random.Generator each random layer (dropout) of `block` draws from."""
    states = []
    for layer in block.submodules:
        random_generator = getattr(layer, "_random_generator", None)
        if random_generator is None or not hasattr(random_generator, "_maybe_init"):
            continue
        random_generator._maybe_init()
        generator = getattr(random_generator, "_generator", None)
        if generator is None:  # TensorFlow's stateful kernels: a second draw cannot be made the same
            raise TfhfError(
                "train.gradient_checkpointing needs dropout drawn from tf.random.Generator "
                "(tf_keras.backend.experimental.enable_tf_random_generator(), which tfhf's runtime sets)"
            )
        states.append(generator.state)
    return states


def _recomputing_call(block, call, states):
    """`block`'s call, run under tf.recompute_grad when training; as it was otherwise."""
    signature = inspect.signature(call)

    def recomputing_call(*args, **kwargs):
        if signature.bind(*args, **kwargs).arguments.get("training") is not True:
            return call(*args, **kwargs)
        return _recomputed(call, states, args, kwargs)

    return recomputing_call


def _recomputed(call, states, args, kwargs):
    """`call(*args, **kwargs)` whose intermediates are recomputed in the backward pass.

    tf.recompute_grad differentiates with respect to its positional tensors, so every
    floating-point tensor among the arguments is passed that way (T5's position bias,
    made by the first block from its weights, carries gradients into later blocks); masks
    and Python values are closed over. Its outputs must be tensors: the call's other
    outputs (None for caches not kept) are put back around them.
    """
    leaves = tf.nest.flatten((args, kwargs))
    inputs = [i for i, leaf in enumerate(leaves) if tf.is_tensor(leaf) and leaf.dtype.is_floating]
    before = [tf.identity(state) for state in states]  # read before the forward pass draws anything
    outputs_shape = []
    runs = []

    def block_function(*tensors):
        if runs:  # the recomputation: draw the forward pass's dropout masks again
            for state, value in zip(states, before):
                state.assign(value)
        runs.append(True)
        filled = list(leaves)
        for i, tensor in zip(inputs, tensors):
            filled[i] = tensor
        call_args, call_kwargs = tf.nest.pack_sequence_as((args, kwargs), filled)
        outputs = call(*call_args, **call_kwargs)
        outputs_shape[:] = [outputs]
        return [leaf for leaf in tf.nest.flatten(outputs) if tf.is_tensor(leaf)]

    tensors = iter(tf.recompute_grad(block_function)(*[leaves[i] for i in inputs]))
    structure = outputs_shape[0]
    return tf.nest.pack_sequence_as(
        structure, [next(tensors) if tf.is_tensor(leaf) else leaf for leaf in tf.nest.flatten(structure)]
    )
