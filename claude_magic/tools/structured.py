"""Structured output: a type or JSON schema from the namespace -> `output_config.format`, and the reply parsed back.

A pydantic model, dataclass, TypedDict or `list[...]` of them is turned into JSON schema by
pydantic's `TypeAdapter` and made API-compatible by the SDK's `transform_schema` (objects get
`additionalProperties: false`; constraints the API does not enforce move into descriptions), as
the SDK's own `output_format=` does. The reply is validated against the original type, so those
constraints still hold. A JSON-schema dict must describe an object; replies are checked with
`jsonschema` against the dict as given.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.errors import SchemaError, StructuredOutputError

RAW_KEPT = "the raw text is on the reply"
_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n(.*?)\n?\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class OutputSchema:
    """The schema a reply must follow: the request's `output_config.format` and how to read the reply back."""

    name: str
    target: Any  # the type or the schema dict the user named
    format: dict[str, Any]  # {"type": "json_schema", "schema": ...}, API-compatible
    _parse: Callable[[str], Any]

    def parse(self, text: str) -> Any:
        """The reply's JSON as the typed object (model or dataclass instance, dict, list)."""
        return self._parse(text)

    def output_config(self) -> dict[str, Any]:
        """`{"format": ...}`, to merge into the request's `output_config`."""
        return {"format": self.format}


def output_schema(value: object, name: str) -> OutputSchema:
    """The OutputSchema for `value`, found in the namespace under `name`; `SchemaError` says what is wrong."""
    if isinstance(value, dict):
        return _dict_schema(value, name)
    if not _is_type_like(value):
        raise SchemaError(
            f"`{name}` is of type {type(value).__name__}, not a schema: --schema takes a pydantic model, dataclass, "
            "TypedDict, list[...] of one, or a JSON-schema dict"
        )
    return _type_schema(value, name)


def parse_json(text: str) -> Any:
    """The JSON in `text` (a ```json fence around it is tolerated); `StructuredOutputError` when it is not JSON."""
    try:
        return json.loads(_unfenced(text))
    except json.JSONDecodeError as error:
        raise StructuredOutputError(f"the reply is not valid JSON ({error}); {RAW_KEPT}") from None
    except ValueError as error:  # an integer of more digits than int() converts (sys.get_int_max_str_digits)
        problem = _first_line(error).split(":")[0][:100]
        raise StructuredOutputError(f"the reply's JSON cannot be read ({problem}); {RAW_KEPT}") from None
    except RecursionError:
        raise StructuredOutputError(f"the reply's JSON is nested too deeply to read; {RAW_KEPT}") from None


def as_frame(value: object) -> Any:
    """A pandas DataFrame of the rows in `value` (--as-frame), typed from model or dataclass fields.

    `value` is a list of models, dataclasses or dicts, one such object (one row), or an object whose
    only field is such a list (the usual `{"items": [...]}` wrapper), which is unwrapped.
    """
    import pandas as pd

    rows = _rows(value)
    records = [_record(row) for row in rows]
    fields = _field_types(rows[0]) if rows else {}
    frame = pd.DataFrame.from_records(records, columns=list(fields) or None)
    for column, annotation in fields.items():
        dtype = _dtype(annotation)
        if dtype is not None:
            frame[column] = _typed(frame[column], dtype)
    return frame


# -- types ----------------------------------------------------------------------------------------------------------


def _is_type_like(value: object) -> bool:
    return isinstance(value, type) or typing.get_origin(value) is not None


def _type_schema(target: Any, name: str) -> OutputSchema:
    import anthropic
    import pydantic

    try:
        adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(target)
        schema = anthropic.transform_schema(adapter.json_schema())
    except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticInvalidForJsonSchema) as error:
        raise SchemaError(
            f"`{name}` has no JSON schema ({_first_line(error)}); --schema takes a pydantic model, dataclass, "
            "TypedDict or list[...] of one"
        ) from None
    except pydantic.PydanticUserError as error:  # e.g. typing.TypedDict on Python < 3.12: pydantic says what to use
        raise SchemaError(f"`{name}` cannot be a schema: {_first_line(error)}") from None
    except ValueError as error:
        raise SchemaError(f"`{name}` cannot be a structured-output schema: {_first_line(error)}") from None

    _check_refs(schema, f"`{name}`")
    wrapped = schema.get("type") != "object"  # the API's format wants an object at the root

    def parse(text: str) -> Any:
        try:
            if not wrapped:
                return adapter.validate_json(_unfenced(text))
            return adapter.validate_python(_unwrapped(parse_json(text), name))
        except pydantic.ValidationError as error:
            raise StructuredOutputError(_pydantic_problem(name, error)) from None

    return OutputSchema(
        name, target, {"type": "json_schema", "schema": _object_root(schema) if wrapped else schema}, parse
    )


ROOT_KEY = "items"  # a list schema travels as {"items": [...]}, and is unwrapped on the way back


def _object_root(schema: dict[str, Any]) -> dict[str, Any]:
    """A non-object schema (e.g. list[Row]) inside an object, with its $defs kept at the root where $refs point."""
    inner = {key: value for key, value in schema.items() if key != "$defs"}
    root: dict[str, Any] = {
        "type": "object",
        "properties": {ROOT_KEY: inner},
        "required": [ROOT_KEY],
        "additionalProperties": False,
    }
    if "$defs" in schema:
        root["$defs"] = schema["$defs"]
    return root


def _unwrapped(value: Any, name: str) -> Any:
    if not isinstance(value, dict) or ROOT_KEY not in value:
        raise StructuredOutputError(f"the reply does not fit `{name}`: no {ROOT_KEY!r} list at its top; {RAW_KEPT}")
    return value[ROOT_KEY]


def _pydantic_problem(name: str, error: Any) -> str:
    detail = error.errors(include_url=False)[0]
    if detail["type"] == "json_invalid":
        return f"the reply is not valid JSON ({detail['msg']}); {RAW_KEPT}"
    where = ".".join(str(part) for part in detail["loc"]) or "(top level)"
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"the reply does not match `{name}`: {where}: {detail['msg']}{more}; {RAW_KEPT}"


# -- JSON-schema dicts ----------------------------------------------------------------------------------------------


def _dict_schema(schema: dict[str, Any], name: str) -> OutputSchema:
    import anthropic
    import jsonschema

    kind = schema.get("type")
    if kind != "object":
        said = f"its type is {kind!r}" if kind is not None else 'it has no "type"'
        raise SchemaError(
            f"schema `{name}` must describe an object ({said}); "
            'wrap it: {"type": "object", "properties": {"items": ...}, "required": ["items"]}'
        )
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
        transformed = anthropic.transform_schema(schema)
    except jsonschema.SchemaError as error:
        where = "/".join(str(part) for part in error.path) or "top level"
        message = _first_line(error.message)
        raise SchemaError(f"schema `{name}` is not valid JSON schema at {where}: {message}") from None
    except (ValueError, AttributeError, TypeError) as error:
        raise SchemaError(f"schema `{name}` cannot be a structured-output schema: {_first_line(error)}") from None
    except RecursionError:
        raise SchemaError(f"schema `{name}` is nested too deeply to be a structured-output schema") from None
    _check_refs(transformed, f"schema `{name}`")
    parse = _json_parser(validator_class(schema), name)
    return OutputSchema(name, schema, {"type": "json_schema", "schema": transformed}, parse)


def _json_parser(validator: Any, name: str) -> Callable[[str], Any]:
    """Parse a reply and check it against the schema `validator` holds; a failure is one line, the reply kept."""
    import jsonschema

    def parse(text: str) -> Any:
        value = parse_json(text)
        try:
            problem = jsonschema.exceptions.best_match(validator.iter_errors(value))
        except RecursionError:
            raise StructuredOutputError(
                f"the reply is nested too deeply to check against `{name}`; {RAW_KEPT}"
            ) from None
        if problem is not None:
            where = "/".join(str(part) for part in problem.absolute_path) or "(top level)"
            message = _first_line(problem.message)
            raise StructuredOutputError(f"the reply does not match `{name}`: {where}: {message}; {RAW_KEPT}")
        return value

    return parse


# -- $ref: every one the API will follow must resolve, and none may lead back into itself ----------------------------

_NOT_SCHEMAS = frozenset({"$defs", "definitions", "enum", "const", "default", "examples"})  # data or unreached


def _check_refs(schema: dict[str, Any], named: str) -> None:
    """`SchemaError` when a `$ref` reached from the root points nowhere, is not local, or makes the schema recursive.

    The API refuses recursive schemas (ANTHROPIC_API.md, structured outputs); the walk is iterative because a
    schema dict from the namespace may be nested deeply.
    """
    visiting: dict[str, bool] = {}  # ref -> True while its target is walked, False once done
    stack: list[tuple[str | None, Any]] = [(None, _refs_in(schema))]
    while stack:
        ref, pending = stack[-1]
        found = next(pending, None)
        if found is None:
            stack.pop()
            if ref is not None:
                visiting[ref] = False
        elif visiting.get(found) is True:
            raise SchemaError(
                f"{named} is recursive ($ref {found!r} leads back into itself) and the API refuses recursive "
                "schemas; nest a fixed number of levels instead. Nothing was sent"
            )
        elif found not in visiting:
            visiting[found] = True
            stack.append((found, _refs_in(_ref_target(found, schema, named))))


def _refs_in(node: Any) -> Any:
    """Every `$ref` value inside `node`, without following them."""
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if "$ref" in item:
                yield item["$ref"]
            pending.extend(value for key, value in item.items() if key not in _NOT_SCHEMAS)
        elif isinstance(item, list):
            pending.extend(item)


def _ref_target(ref: object, root: dict[str, Any], named: str) -> Any:
    """The subschema a local `$ref` ("#/$defs/Name", JSON-pointer escaped) points at."""
    from urllib.parse import unquote

    if not isinstance(ref, str) or not ref.startswith("#"):
        raise SchemaError(
            f"{named}: $ref {str(ref)[:80]!r} is not a reference inside the schema (#/$defs/...). Nothing was sent"
        )
    node: Any = root
    for part in unquote(ref[1:]).split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            raise SchemaError(
                f"{named}: $ref {ref[:80]!r} points nowhere in the schema; define it under $defs. Nothing was sent"
            )
    return node


# -- frames ---------------------------------------------------------------------------------------------------------


def _rows(value: object) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    if not _is_record(value):
        raise StructuredOutputError(f"--as-frame needs a list of objects; the reply is a {type(value).__name__}")
    fields = _as_fields(value)
    if len(fields) == 1 and isinstance(only := next(iter(fields.values())), list):
        return only
    return [value]


def _is_record(value: object) -> bool:
    return isinstance(value, dict) or _is_model(value) or _is_data(value)


def _as_fields(value: Any) -> dict[str, Any]:
    """The object's fields, shallow (nested models stay objects)."""
    if _is_model(value):
        return {key: getattr(value, key) for key in type(value).model_fields}
    if _is_data(value):
        return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    return dict(value)


def _record(value: Any) -> dict[str, Any]:
    """One row: plain JSON-like values (nested models and dataclasses as dicts)."""
    if _is_model(value):
        return dict(value.model_dump())
    if _is_data(value):
        return dataclasses.asdict(value)
    if isinstance(value, dict):
        return value
    raise StructuredOutputError(f"--as-frame needs a list of objects; one item is a {type(value).__name__}")


def _field_types(row: Any) -> dict[str, Any]:
    """Column name -> annotation, for a model or dataclass row; {} for dicts (pandas infers)."""
    if _is_model(row):
        return {key: field.annotation for key, field in type(row).model_fields.items()}
    if _is_data(row):
        hints = typing.get_type_hints(type(row))
        return {field.name: hints.get(field.name, Any) for field in dataclasses.fields(row)}
    return {}


_DTYPES = {bool: "boolean", int: "Int64", float: "Float64", str: "string"}


def _dtype(annotation: Any) -> str | None:
    """The pandas dtype for a field's type: nullable bool/int/float/string, datetime, category; None to infer."""
    import datetime
    import enum

    inner = _without_none(annotation)
    if inner in _DTYPES:
        return _DTYPES[inner]
    if inner in (datetime.datetime, datetime.date):
        return "datetime"
    if typing.get_origin(inner) is typing.Literal or (isinstance(inner, type) and issubclass(inner, enum.Enum)):
        return "category"
    return None


def _without_none(annotation: Any) -> Any:
    """`X` for `X | None` / `Optional[X]`; the annotation itself otherwise."""
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    is_union = typing.get_origin(annotation) in (typing.Union, _union_type())
    return args[0] if is_union and len(args) == 1 else annotation


def _union_type() -> Any:
    import types

    return getattr(types, "UnionType", typing.Union)


def _typed(column: Any, dtype: str) -> Any:
    import pandas as pd

    if dtype.startswith("datetime"):
        return pd.to_datetime(column)
    if dtype == "category":
        return column.map(lambda item: getattr(item, "value", item)).astype("category")
    return column.astype(dtype)


# -- helpers --------------------------------------------------------------------------------------------------------


def _is_model(value: object) -> bool:
    import sys

    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(value, pydantic.BaseModel)


def _is_data(value: object) -> bool:
    """A dataclass instance (not the class)."""
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _unfenced(text: str) -> str:
    match = _FENCE.match(text)
    return match.group(1) if match else text


def _first_line(error: object) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
