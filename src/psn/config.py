"""Workflow configuration: load, fill defaults, validate, and fail in one line.

The schema (``psn/schemas/config.schema.yaml``, shipped with the package) checks names, types and ranges; the checks
here need facts the schema does not know: each dataset's input size (for S_max, Eq. 7) and
which datasets an experiment may name.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from psn.names import STATIC_EXPERIMENTS, format_sparsity

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "config.schema.yaml"



# the dst section's keys that make its schedule (with dst.schedule, its name)
SCHEDULE_KEYS = ("drop_fraction", "update_every", "end_fraction", "update_at_zero")


class ConfigError(ValueError):
    """A configuration that cannot run; the message is one line naming the key."""


class ConfigWarning(UserWarning):
    """A configuration that runs but cannot give what it asks for; one line naming the key."""


def load_schema(path: str | Path = SCHEMA_PATH) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


def read_yaml(path: str | Path) -> Any:
    """A YAML file's content; a syntax error raises ``ConfigError`` naming the file and line."""
    try:
        with open(path) as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config: no such file: {path}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        if context and getattr(exc, "context_mark", None) and exc.context_mark is not mark:
            problem += f" ({context} from line {exc.context_mark.line + 1})"
        raise ConfigError(f"config: {path}{where}: not valid YAML: {problem}") from None


def load(path: str | Path, schema_path: str | Path = SCHEMA_PATH) -> dict:
    """Read a YAML config file and return it validated, defaults filled."""
    raw = read_yaml(path)
    return validate(raw if raw is not None else {}, load_schema(schema_path))


def _warn(message: str) -> None:
    warnings.warn(message, ConfigWarning, stacklevel=3)


def validate(config: Mapping[str, Any], schema: dict | None = None, *,
             warn: Callable[[str], None] | None = None) -> dict:
    """Validate ``config`` against the schema and the cross-field rules.

    Returns a new dict with schema defaults filled in. Raises ``ConfigError`` with a single
    line naming the offending key and what it allows. A value that runs but cannot give what
    it asks for (a dynamic run with no mask update) is one line to ``warn`` (default: a
    ``ConfigWarning``).
    """
    schema = load_schema() if schema is None else schema
    cfg = copy.deepcopy(dict(config))
    if "rigl" in cfg:
        raise ConfigError("config: the 'rigl' section is now 'dst' (dynamic sparse training, methods "
                          "rigl and set): rename it")
    if isinstance(cfg.get("dst"), Mapping) and "inits" in cfg["dst"]:
        raise ConfigError("config: dst.inits is now dst.starts (RigL's starting masks; training.init is "
                          "the weight init): rename it")
    validator = _defaulting_validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(cfg))
    if error is not None:
        raise ConfigError(_one_line(error))
    _check_cross_fields(cfg)
    _check_dst_updates(cfg, warn or _warn)
    return cfg


def _defaulting_validator(schema: dict) -> jsonschema.protocols.Validator:
    """A validator that writes each property's ``default`` into the instance as it goes."""
    base = jsonschema.validators.validator_for(schema)
    validate_properties = base.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if isinstance(sub, dict) and "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    extended = jsonschema.validators.extend(base, {"properties": properties_with_defaults})
    return extended(schema)


def _one_line(error: jsonschema.ValidationError) -> str:
    where = _key_path(error.absolute_path) or "(top level)"
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        return f"config: {where} = {error.instance!r} is not allowed; choose one of {allowed}"
    if error.validator == "oneOf" and error.context:
        error = jsonschema.exceptions.best_match(error.context)
    message = " ".join(error.message.split())
    return f"config: {where}: {message}"


def _key_path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _check_cross_fields(cfg: dict) -> None:
    from psn.data import DATASETS
    from psn.masks import s_max

    f_min = cfg["masks"]["f_min"]
    clamp = cfg["masks"]["above_smax"] == "clamp"
    for key, dataset, sparsity in _sparsity_uses(cfg):
        if dataset not in cfg["datasets"]:
            raise ConfigError(
                f"config: {key} uses dataset {dataset!r}, which has no entry under 'datasets' "
                f"(defined: {', '.join(cfg['datasets'])})"
            )
        if key.startswith("experiments.forest_grid"):
            continue  # dense models: no masks
        # the masked layers' input counts: the data, then every hidden layer but the last
        n_ins = [DATASETS[dataset].input_dim, *cfg["datasets"][dataset]["hidden"][:-1]]
        layer, n_in = min(enumerate(n_ins), key=lambda ln: ln[1])
        if f_min > n_in:  # no neuron can have f_min inputs, clamped or not
            raise ConfigError(
                f"config: masks.f_min = {f_min} exceeds the {n_in} inputs of masked layer {layer} "
                f"of {dataset} ({key}); allowed: f_min <= {n_in}"
            )
        limit = s_max(n_in, f_min)
        if sparsity > limit and key.startswith("dst."):
            raise ConfigError(
                f"config: {key} = {sparsity} exceeds S_max = 1 - f_min/n_in = {limit:.5f} "
                f"for {dataset} (masked layer {layer}: n_in = {n_in}, f_min = {f_min}); rejected even "
                f"under masks.above_smax: clamp, which would clamp the dynamic starts (ERK, uniform, "
                f"lognormal, static) to different budgets; allowed: sparsity <= {limit:.5f}"
            )
        if sparsity > limit and not clamp:
            raise ConfigError(
                f"config: {key} = {sparsity} exceeds S_max = 1 - f_min/n_in = {limit:.5f} "
                f"for {dataset} (masked layer {layer}: n_in = {n_in}, f_min = {f_min}); allowed: "
                f"sparsity <= {limit:.5f}, or set masks.above_smax: clamp"
            )
    _check_paths_distinct(cfg)
    _check_dst(cfg)
    _check_confirmation(cfg)
    for key, epochs, datasets in _epoch_uses(cfg):
        if isinstance(epochs, dict):
            missing = [d for d in datasets if d not in epochs]
            if missing:
                raise ConfigError(
                    f"config: {key} gives no epoch count for {', '.join(missing)}"
                )


def import_plugins(modules) -> None:
    """Import each module named (``dst.plugins``), so the methods it registers can be named."""
    import importlib

    for i, name in enumerate(modules):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"config: dst.plugins[{i}] = {name!r} cannot be imported: {exc}") from None


def _check_dst(cfg: dict) -> None:
    """Methods must be registered (after the plugins are imported); every start the section
    names must survive its name in the ``{start}`` wildcard, and no two may share one."""
    from psn.masks.starts import Start
    from psn.training.dst import METHODS
    import psn.training  # noqa: F401  (registers rigl and set)

    dst = cfg.get("dst")
    if not dst or not dst.get("enabled", True):
        return
    import_plugins(dst["plugins"])
    for i, method in enumerate(dst["methods"]):
        if method not in METHODS:
            raise ConfigError(f"config: dst.methods[{i}] = {method!r} is not a registered method; "
                              f"registered: {', '.join(sorted(METHODS))} (dst.plugins imports more)")
    named = [("dst.equilibrium_lognormal_ccv", dst["equilibrium_lognormal_ccv"], Start.fixed)]
    named += [(f"dst.ccv_offsets[{i}]", o, Start.equilibrium) for i, o in enumerate(dst["ccv_offsets"])]
    seen: dict[str, tuple[str, float]] = {}
    for key, value, make in named:
        try:
            start = make(value)
            back = Start.parse(start.name)
        except ValueError:
            raise ConfigError(f"config: {key} = {value!r} must be a finite number below 1e6") from None
        if (back.ccv if back.offset is None else back.offset) != value:
            raise ConfigError(f"config: {key} = {value!r} is written {start.name!r} in paths, which reads "
                              f"back as another value; give at most six significant figures")
        other = seen.setdefault(start.name, (key, value))
        if other[0] != key:
            raise ConfigError(f"config: {key} = {value!r} and {other[0]} = {other[1]!r} would share "
                              f"the start {start.name!r}")


def _check_dst_updates(cfg: dict, warn: Callable[[str], None]) -> None:
    """A dynamic run whose schedule gives no mask update (``update_every`` beyond its steps) is
    a static run: its final fan-in is its start's, and no equilibrium can be measured from it."""
    dst = cfg.get("dst")
    if not dst or not dst.get("enabled", True):
        return
    from psn.data import DATASETS
    from psn.training.schedules import count_updates, make_schedule

    schedule = make_schedule(dst["schedule"], **{k: dst[k] for k in SCHEDULE_KEYS})
    for dataset in dst["datasets"]:
        if dataset not in DATASETS or dataset not in cfg["datasets"]:
            continue
        per_epoch = math.ceil(DATASETS[dataset].n_train / cfg["datasets"][dataset]["batch_size"])
        epochs = epochs_for(dst["epochs"], dataset)
        if count_updates(schedule, per_epoch * epochs, per_epoch) == 0:
            if dst["schedule"] != "epoch":
                what = (f"dst.update_every = {dst['update_every']} leaves no update within "
                        f"dst.end_fraction = {dst['end_fraction']} of")
            else:
                what = f"dst.schedule = {dst['schedule']!r} updates after whole epochs, and none ends before"
            warn(f"config: warning: {what} the {per_epoch * epochs} optimizer steps of {dataset}'s dynamic runs "
                 f"({epochs} epochs of {per_epoch}): no mask will change, and no equilibrium (Table 4) can be "
                 "measured there")


def _check_confirmation(cfg: dict) -> None:
    """The confirmation compares starts of one RigL cell, LN(equil.) among them: the cell must be
    in the grid, or it has no equilibrium to start from."""
    dst = cfg.get("dst")
    conf = (dst or {}).get("confirmation")
    if not dst or not dst.get("enabled", True) or not conf or not conf.get("enabled", True):
        return
    if conf["dataset"] not in dst["datasets"] or conf["sparsity"] not in dst["sparsities"]:
        raise ConfigError(
            f"config: dst.confirmation ({conf['dataset']}, {conf['sparsity']}) is not a cell of "
            f"dst.datasets x dst.sparsities ({', '.join(dst['datasets'])} x "
            f"{', '.join(map(str, dst['sparsities']))}), so it has no equilibrium to start from"
        )
    if "rigl" not in dst["methods"]:
        raise ConfigError("config: dst.confirmation compares RigL's starts, and dst.methods has no rigl")


def _check_paths_distinct(cfg: dict) -> None:
    """Sparsities are written into paths with six significant figures of their percent; two
    values that agree that far would share one path and one would be silently dropped."""
    seen: dict[str, tuple[str, float]] = {}
    for key, _, sparsity in _sparsity_uses(cfg):
        if key.startswith("experiments.forest_grid"):
            continue
        name = format_sparsity(sparsity)
        other = seen.setdefault(name, (key, sparsity))
        if other[1] != sparsity:
            raise ConfigError(
                f"config: {key} = {sparsity} and {other[0]} = {other[1]} would share the path "
                f"s{name}; sparsities must differ within six significant figures of their percent"
            )


def _sparsity_uses(cfg: dict) -> Iterator[tuple[str, str, float]]:
    """Every (key, dataset, sparsity) the config asks to build a mask for."""
    for name in STATIC_EXPERIMENTS:
        exp = cfg["experiments"].get(name)
        if not exp or not exp.get("enabled", True):
            continue
        for dataset in exp["datasets"]:
            for i, s in enumerate(exp["sparsities"]):
                yield f"experiments.{name}.sparsities[{i}]", dataset, s
        for dataset, values in exp.get("sweep_sparsities", {}).items():
            if dataset not in exp["datasets"]:
                continue  # a preset narrowed the datasets; its sweep entries stay unused
            for i, s in enumerate(values):
                yield f"experiments.{name}.sweep_sparsities.{dataset}[{i}]", dataset, s
    dst = cfg.get("dst")
    if dst and dst.get("enabled", True):
        for dataset in dst["datasets"]:
            for i, s in enumerate(dst["sparsities"]):
                yield f"dst.sparsities[{i}]", dataset, s
        conf = dst.get("confirmation")
        if conf:
            yield "dst.confirmation.sparsity", conf["dataset"], conf["sparsity"]
    grid = cfg["experiments"].get("forest_grid")
    if grid and grid.get("enabled", True):
        for dataset in grid["datasets"]:
            yield "experiments.forest_grid.datasets", dataset, 0.0


def _epoch_uses(cfg: dict) -> Iterator[tuple[str, Any, list[str]]]:
    for name, exp in cfg["experiments"].items():
        if exp.get("enabled", True):
            yield f"experiments.{name}.epochs", exp["epochs"], exp["datasets"]
    dst = cfg.get("dst")
    if dst and dst.get("enabled", True):
        yield "dst.epochs", dst["epochs"], dst["datasets"]


def epochs_for(epochs: int | Mapping[str, int], dataset: str) -> int:
    """An experiment's epoch count for one dataset (a single count, or one per dataset)."""
    return epochs if isinstance(epochs, int) else int(epochs[dataset])


def used_datasets(cfg: dict) -> list[str]:
    """Datasets any enabled experiment needs, in the order of the ``datasets`` section."""
    used = {d for _, d, _ in _sparsity_uses(cfg)}
    return [d for d in cfg["datasets"] if d in used]
