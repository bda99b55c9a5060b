"""Recipe files and `--set` overrides, read into checked Recipes.

`tfhf run FILE --set train.learning_rate=3e-5` changes one field. An override must name an
existing field (or an entry of a dict field: `model.config.d_model=64`) and keep its type
and range, or it is refused (the closest valid key is suggested); a recipe file's values
go through the same checks.
"""

from __future__ import annotations

import ast
import dataclasses
import runpy
import typing
from pathlib import Path

from tfhf.errors import TfhfError, did_you_mean
from tfhf.recipe.parts import PART_CLASSES, Recipe, part_names

DEMO_INPUTS = ("data.predict_texts", "data.predict_questions")
# Token lengths a recipe sizes for its own sample; on other data they are measured instead (tfhf.data.auto_lengths).
SAMPLE_SIZED_LENGTHS = ("data.max_length", "data.max_source_length", "data.max_target_length")


def load_recipe(path):
    """Run a recipe file and return its `recipe`, or raise TfhfError saying what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise TfhfError(f"recipe file not found: {path}")
    try:
        namespace = runpy.run_path(str(path))
    except SyntaxError as error:
        raise TfhfError(f"syntax error in recipe {path}, line {error.lineno}: {error.msg}") from None
    except (SystemExit, KeyboardInterrupt) as error:  # a recipe file only defines `recipe`; it does not end the run
        raise TfhfError(f"recipe {path} raised {type(error).__name__} while loading; it should only define `recipe`")
    except Exception as error:  # noqa: BLE001 -- a recipe is user code: report any failure as theirs, briefly
        raise TfhfError(f"recipe {path} failed to load: {type(error).__name__}: {error}") from None
    if "recipe" not in namespace:
        raise TfhfError(f"recipe file {path} defines no `recipe` (expected `recipe = Recipe(...)`)")
    recipe = namespace["recipe"]
    if not isinstance(recipe, Recipe):
        raise TfhfError(f"`recipe` in {path} is a {type(recipe).__name__}, not a tfhf.recipe.Recipe")
    return validated(recipe, f"recipe {path}: ")


def validated(recipe, where=""):
    """`recipe` with every field checked against its type, choices and range, as `--set` values are.

    Values convert the way `--set` converts them (an int for a float field, a list for a
    tuple); anything else is a TfhfError naming the key, prefixed with `where`.
    """
    for part_name, part_class in PART_CLASSES.items():
        part = getattr(recipe, part_name)
        if not isinstance(part, part_class):
            wanted = f"tfhf.recipe.{part_class.__name__}(...)"
            raise TfhfError(f"{where}{part_name} must be {wanted}, not {type(part).__name__}")
    parts = {}
    for part_name in part_names(recipe):
        part = getattr(recipe, part_name)
        hints = typing.get_type_hints(type(part))
        values = {
            f.name: _check_value(f"{part_name}.{f.name}", getattr(part, f.name), hints[f.name], f, where)
            for f in dataclasses.fields(part)
        }
        parts[part_name] = dataclasses.replace(part, **values)
    if not isinstance(recipe.task, str):
        raise TfhfError(f"{where}task expects str; got {recipe.task!r}")
    return Recipe(task=recipe.task, **parts)


def all_keys(recipe):
    """Every overridable dotted key with its field, e.g. {'train.epochs': (Train, Field)}."""
    keys = {"task": (Recipe, next(f for f in dataclasses.fields(Recipe) if f.name == "task"))}
    for part_name in part_names(recipe):
        part = getattr(recipe, part_name)
        for f in dataclasses.fields(part):
            keys[f"{part_name}.{f.name}"] = (type(part), f)
    return keys


def apply_overrides(recipe, overrides):
    """Return a copy of `recipe` with each 'dotted.key=value' applied (values are Python literals).

    A key one level inside a dict setting, such as `model.config.d_model=64`, sets that entry.
    """
    keys = all_keys(recipe)
    changes = {}
    for override in overrides:
        key, sep, text = override.partition("=")
        key = key.strip()
        if not sep:
            raise TfhfError(f"override {override!r} is not of the form key=value")
        value = _parse_literal(text)
        parent, _, entry = key.rpartition(".")
        if key not in keys and parent in keys and typing.get_type_hints(keys[parent][0])[keys[parent][1].name] is dict:
            part_name, field_name = parent.split(".", 1)
            current = changes.get(parent, getattr(getattr(recipe, part_name), field_name))
            changes[parent] = {**current, entry: value}
            continue
        if key not in keys:
            raise TfhfError(f"unknown recipe key {key!r}{did_you_mean(key, keys)}")
        owner, f = keys[key]
        changes[key] = _check_value(key, value, typing.get_type_hints(owner)[f.name], f)
    if "data.path" in changes:  # the recipe's example inputs and lengths are about its own data, not the user's
        for key in DEMO_INPUTS:
            if key in keys and key not in changes:
                changes[key] = ()
        for key in SAMPLE_SIZED_LENGTHS:
            if key in keys and key not in changes and _takes_auto(*keys[key]):  # not QA's window length
                changes[key] = "auto"
    parts = {name: getattr(recipe, name) for name in part_names(recipe)}
    task = recipe.task
    for key, value in changes.items():
        if key == "task":
            task = value
            continue
        part_name, field_name = key.split(".", 1)
        parts[part_name] = dataclasses.replace(parts[part_name], **{field_name: value})
    return validated(Recipe(task=task, **parts))


def _takes_auto(owner, f):
    """Whether the length field `f` of `owner` may be 'auto' (its type admits a string)."""
    return str in typing.get_args(typing.get_type_hints(owner)[f.name])


def _parse_literal(text):
    """'3e-5' -> 3e-05, '(16, 32)' -> (16, 32), 'None' -> None; anything else stays a string."""
    text = text.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _check_value(key, value, annotation, f, where=""):
    """`value` converted to the field's type, or TfhfError naming the key and the expected type or range."""
    allowed = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, _UnionType) else ()
    types = allowed or (annotation,)
    if value is None:
        if type(None) in types:
            return None
        raise TfhfError(f"{where}{key} cannot be None")
    if f.metadata.get("positions") and str in types and isinstance(value, str):  # a length: a number or 'auto'
        if value != "auto":
            raise TfhfError(f"{where}{key} expects a number of tokens or 'auto'; got {value!r}")
        return value
    for expected in types:
        converted = _convert(value, expected)
        if converted is not _MISMATCH:
            choices = f.metadata.get("choices")
            within = f.metadata.get("within")
            if within and isinstance(converted, str):  # a number, or one of the words it also takes ('auto')
                if converted not in (choices or ()):
                    words = " or ".join(repr(choice) for choice in choices or ())
                    raise TfhfError(f"{where}{key} expects a number or {words}; got {converted!r}")
                return converted
            if choices and not within and converted not in choices:
                raise TfhfError(f"{where}{key} must be one of {', '.join(map(str, choices))}; got {converted!r}")
            if within and converted not in within:
                raise TfhfError(f"{where}{key} must be {within.explain(converted)}; got {converted!r}")
            return converted
    names = " or ".join(getattr(t, "__name__", str(t)) for t in types if t is not type(None))
    raise TfhfError(f"{where}{key} expects {names}; got {value!r}")


_MISMATCH = object()
_UnionType = type(int | None)


def _convert(value, expected):
    if expected is type(None):
        return _MISMATCH
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is tuple and isinstance(value, list):
        return tuple(value)
    if expected is bool:
        return value if isinstance(value, bool) else _MISMATCH
    if expected is int and isinstance(value, bool):
        return _MISMATCH
    if expected is str and not isinstance(value, str):
        # `--set model.checkpoint=1234` means the name "1234", not the number
        return str(value) if isinstance(value, (int, float)) else _MISMATCH
    return value if isinstance(value, expected) else _MISMATCH


def flat_settings(recipe_dict):
    """{'train.epochs': 3, ...} from `Recipe.to_dict()` output (or a saved recipe.json)."""
    flat = {}
    for part, values in recipe_dict.items():
        if isinstance(values, dict):
            flat.update({f"{part}.{key}": value for key, value in values.items()})
        else:
            flat[part] = values
    return flat


def summary(recipe):
    """A few lines showing the resolved recipe, one part per line."""
    lines = [f"task: {recipe.task}"]
    for part_name in part_names(recipe):
        values = dataclasses.asdict(getattr(recipe, part_name))
        lines.append(f"{part_name}: " + ", ".join(f"{k}={v!r}" for k, v in values.items()))
    return "\n".join(lines)
