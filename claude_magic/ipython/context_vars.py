"""Variables as context: which names count, a structure summary of each, and a cheap fingerprint for "changed since".

Nothing here calls a user-defined `__repr__`, `__str__`, `__len__` or `__getattr__`: a summary reads
builtin slots (`list.__len__`), pandas/numpy metadata (only when they are already imported) and an
instance's `__dict__` keys. The cost does not grow with the data: a frame or array is fingerprinted
by id, type, shape, dtype and a few elements at fixed positions, never hashed whole.

What the cheap detection misses: an in-place edit that changes neither the object's identity, its
length or shape, nor one of the sampled elements (`arr[12345] = 0`, `df.iloc[500, 3] = 1`, appending to
a list inside a dict, an attribute set on an object). Such a variable is not resent; `-a NAME` sends it.
"""

from __future__ import annotations

import inspect
import itertools
import sys
import types
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from ..core.context import Variable
from ..core.masking import MASK, is_excluded, looks_like_secret, shows_value

IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython"})
MAX_COLUMNS = 20  # a frame's columns listed in its summary; the rest are counted
MAX_TEXT = 80  # a string's start, a column label, a short repr
MAX_ELEMENTS = 5  # elements sampled for a container's element types
MAX_ATTRIBUTES = 8
_SAMPLES = (0.0, 0.25, 0.5, 0.75, 1.0)  # fixed relative positions of the elements a fingerprint reads
_ARRAY_MODULES = ("torch", "jax", "jaxlib", "cupy", "tensorflow", "xarray", "dask")
_SCALARS = (bool, int, float, complex, type(None))
_CONTAINERS: tuple[type, ...] = (list, tuple, dict, set, frozenset)

Fingerprint = tuple[Any, ...]


def public_names(user_ns: Mapping[str, Any], hidden: Mapping[str, Any] | None = None) -> list[str]:
    """The user's variables: no `_x`, modules, IPython's own names, startup names, or claude_magic's objects."""
    hidden = hidden or {}
    return sorted(
        name
        for name, value in list(user_ns.items())
        if not name.startswith("_")
        and name not in IPYTHON_NAMES
        and not (name in hidden and hidden[name] is value)
        and not isinstance(value, types.ModuleType)
        and not type(value).__module__.startswith("claude_magic")
    )


def fingerprint(value: Any) -> Fingerprint:
    """id, type, size and a few sampled elements: equal when nothing the detection can see has changed."""
    kind = type(value)
    try:
        return (id(value), kind, *_shape_and_samples(value))
    except Exception:  # an object whose metadata cannot be read is compared by identity alone
        return (id(value), kind)


def _shape_and_samples(value: Any) -> tuple[Any, ...]:
    frame = _pandas_kind(value)
    if frame == "DataFrame":
        rows, columns = value.shape
        cells = [value.iat[int(r * (rows - 1)), int(c * (columns - 1))] for r, c in _grid(rows, columns)]
        return (value.shape, tuple(str(d) for d in value.dtypes.iloc[:MAX_COLUMNS]), *map(_sample_key, cells))
    if frame == "Series":
        return (len(value), str(value.dtype), *(_sample_key(value.iat[i]) for i in _positions(len(value))))
    if _is_ndarray(value):
        return (value.shape, str(value.dtype), *(_sample_key(value.flat[i]) for i in _positions(value.size)))
    if isinstance(value, (str, bytes, bytearray)):
        return (len(value), _sample_key(value))
    container = _container_base(value)
    if container is not None:
        return (container.__len__(value),)
    return ()


def _grid(rows: int, columns: int) -> Iterator[tuple[float, float]]:
    if rows and columns:
        yield from zip(_SAMPLES, reversed(_SAMPLES), strict=True)
        yield from ((r, 0.0) for r in _SAMPLES)


def _positions(size: int) -> list[int]:
    return sorted({int(at * (size - 1)) for at in _SAMPLES}) if size else []


def _sample_key(element: Any) -> Any:
    """A value to compare across prompts: numbers by repr (NaN equals NaN), text by its ends, objects by id."""
    if isinstance(element, (str, bytes, bytearray)):
        return (len(element), hash(bytes(element[:64]) if not isinstance(element, str) else element[:64]))
    if isinstance(element, _SCALARS) or type(element).__module__.split(".")[0] in ("numpy", "pandas"):
        return repr(element)[:MAX_TEXT]
    return ("object", id(element))


def _pandas_kind(value: Any) -> str | None:
    pandas = sys.modules.get("pandas")
    if pandas is None:
        return None
    kind = type(value)
    if issubclass(kind, pandas.DataFrame):
        return "DataFrame"
    return "Series" if issubclass(kind, pandas.Series) else None


def _is_ndarray(value: Any) -> bool:
    numpy = sys.modules.get("numpy")
    return numpy is not None and issubclass(type(value), numpy.ndarray)


def _container_base(value: Any) -> type | None:
    """The builtin container `value` is (or subclasses): its slots are called, never an override."""
    return next((base for base in _CONTAINERS if isinstance(value, base)), None)


def summarise(
    name: str, value: Any, exclude: tuple[str, ...] = (), change: Literal["new", "changed"] = "new"
) -> Variable | None:
    """The variable's summary; None when `exclude` names it. Never raises."""
    if is_excluded(name, exclude):
        return None
    type_name = _type_name(value)
    try:
        summary = _summary(name, value)
    except Exception:
        summary = f"{type_name} (its structure could not be read)"
    return Variable(name, type_name, summary, change)


def _type_name(value: Any) -> str:
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module in ("builtins", "__main__") else f"{module.split('.')[0]}.{kind.__qualname__}"


def _summary(name: str, value: Any) -> str:
    if isinstance(value, _SCALARS):
        return _scalar(value) if shows_value(name, value) else f"{type(value).__name__} = {MASK}"
    frame = _pandas_kind(value)
    if frame is not None:
        return _frame(value) if frame == "DataFrame" else _series(value)
    if _is_ndarray(value) or type(value).__module__.split(".")[0] in _ARRAY_MODULES:
        return f"{_type_name(value)}, shape {tuple(value.shape)}, dtype {value.dtype}"
    if isinstance(value, (str, bytes, bytearray)):
        return _text(name, value)
    if _container_base(value) is not None:
        return _container(value)
    if isinstance(value, type):
        return f"class {value.__qualname__}{_doc_line(value)}"
    if callable(value) and isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return f"function {getattr(value, '__name__', name)}{_signature(value)}{_doc_line(value)}"
    return _instance(value)


def _scalar(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"int with {value.bit_length()} bits"
    text = repr(value)
    return f"{type(value).__name__} = {text[:MAX_TEXT]}"


def _frame(frame: Any) -> str:
    rows, columns = frame.shape
    listed = [f"{_label(label)} ({dtype})" for label, dtype in itertools.islice(frame.dtypes.items(), MAX_COLUMNS)]
    more = f", ... (+{columns - MAX_COLUMNS:,} more)" if columns > MAX_COLUMNS else ""
    return f"DataFrame, {rows:,} rows x {columns:,} columns; columns: {', '.join(listed)}{more}"


def _series(series: Any) -> str:
    return f"Series, {len(series):,} values, dtype {series.dtype}, name {_label(series.name)}"


def _label(label: Any) -> str:
    """A column label as text, without calling a custom __str__."""
    if isinstance(label, tuple):
        return "(" + ", ".join(_label(part) for part in label[:4]) + ")"
    if isinstance(label, (str, int, float, bool, type(None))) or type(label).__module__.startswith(("numpy", "pandas")):
        return str(label)[:MAX_TEXT]
    return f"<{type(label).__name__}>"


def _text(name: str, value: str | bytes | bytearray) -> str:
    kind = type(value).__name__
    secret = not shows_value(name, value) or looks_like_secret(value[:4096] if isinstance(value, str) else "")
    if secret or not isinstance(value, str):
        return f"{kind}, {len(value):,} {'chars' if isinstance(value, str) else 'bytes'}" + (
            f", value {MASK}" if secret else ""
        )
    return f"{kind}, {len(value):,} chars: {value[:MAX_TEXT]!r}{'...' if len(value) > MAX_TEXT else ''}"


def _container(value: Any) -> str:
    base = _container_base(value)
    assert base is not None
    size = base.__len__(value)
    if base is dict:
        pairs = list(itertools.islice(dict.items(value), MAX_ELEMENTS))
        kinds = f"keys {_kinds(k for k, _ in pairs)}, values {_kinds(v for _, v in pairs)}"
    else:
        kinds = f"elements {_kinds(itertools.islice(base.__iter__(value), MAX_ELEMENTS))}"
    return f"{type(value).__name__}, {size:,} items" + (f"; {kinds}" if size else "")


def _kinds(values: Any) -> str:
    return "/".join(sorted({type(v).__name__ for v in values})) or "-"


def _signature(function: Any) -> str:
    """Parameter names, with defaults only when they are short scalars; never a default's repr otherwise."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return "(...)"
    return "(" + ", ".join(_parameter(p) for p in parameters) + ")"


def _parameter(parameter: inspect.Parameter) -> str:
    prefix = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}.get(parameter.kind, "")
    default = parameter.default
    if default is inspect.Parameter.empty:
        return prefix + parameter.name
    if isinstance(default, _SCALARS) and shows_value(parameter.name, default):
        return f"{parameter.name}={repr(default)[:20]}"
    return f"{parameter.name}=<{type(default).__name__}>"


def _doc_line(value: Any) -> str:
    doc = value.__dict__.get("__doc__") if isinstance(value, type) else getattr(value, "__doc__", None)
    first = next((line.strip() for line in doc.splitlines() if line.strip()), "") if isinstance(doc, str) else ""
    return f": {first[:120]}" if first else ""


def _instance(value: Any) -> str:
    """Type and attribute names with their types, read from `__dict__` without any user hook."""
    try:
        attributes = object.__getattribute__(value, "__dict__")
    except Exception:
        attributes = None
    if not isinstance(attributes, dict) or not attributes:
        return f"{_type_name(value)} instance"
    shown = [f"{key}: {type(item).__name__}" for key, item in itertools.islice(dict.items(attributes), MAX_ATTRIBUTES)]
    more = ", ..." if len(attributes) > MAX_ATTRIBUTES else ""
    return f"{_type_name(value)} instance ({', '.join(str(s) for s in shown)}{more})"


def secret_literals(user_ns: Mapping[str, Any], names: list[str], exclude: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, value) for each string variable whose value must not appear anywhere: masked wherever it is printed."""
    found = []
    for name in names:
        value = user_ns.get(name)
        if isinstance(value, (bytes, bytearray)):
            value = value.decode("utf-8", "replace")
        if not isinstance(value, str) or len(value) > 4096:
            continue
        if not shows_value(name, value) or is_excluded(name, exclude) or looks_like_secret(value):
            found.append((name, value))
    return found
