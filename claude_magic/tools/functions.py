"""Kernel callables as tools: a function in the notebook becomes a tool definition the model can call.

The schema and the argument checks both come from pydantic, as the SDK's `beta_tool` does it:
the callable's parameters, with their resolved type hints, become the signature of a small
keyword-only shim, and `pydantic.validate_call` of that shim both validates the model's
arguments and (through `TypeAdapter`) writes the input schema. Parameter descriptions come from
the docstring (Google, numpy, reST or epydoc style, read by docstring_parser).

How each kind of parameter reaches the model:

- ordinary and keyword-only parameters are properties; those with a default are optional;
- positional-only parameters are properties too (the model names every argument) and are
  passed positionally;
- `*args: T` is an optional array property named after it (`args: list[T]`), spread into the call;
- `**kwargs: T` makes the schema's `additionalProperties` the schema of `T` (any JSON value when
  unannotated): extra keys are validated as `T` and passed as keyword arguments. Without
  `**kwargs`, the schema says `additionalProperties: false` and an unknown key is refused;
- keywords bound by `functools.partial` are hidden from the model: it cannot override them.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import re
import sys
import typing
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docstring_parser
import pydantic
from pydantic import TypeAdapter

from ..core.errors import ToolDefinitionError
from . import ToolInputError, ToolOutput
from .results import encode_result

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,128}$")
GOT_CHARS = 60  # a bad argument's value is quoted up to this long in the error
_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)
_NO_SCHEMA = (pydantic.PydanticSchemaGenerationError, pydantic.PydanticInvalidForJsonSchema, pydantic.PydanticUserError)


class FunctionTool:
    """A callable from the user's namespace, offered to the model as a client tool."""

    source = "function"

    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        self.func = value
        self._sdk_tool = _sdk_tool(value)
        callee = self._sdk_tool.func if self._sdk_tool is not None else value
        self._callee = callee
        self._signature = _exposed_signature(name, callee)
        self._validator = _validator(name, self._signature)
        schema = self._schema(callee)  # built even for a beta_tool: a type with no schema fails here, not mid-turn
        self.input_schema = dict(self._sdk_tool.input_schema) if self._sdk_tool is not None else schema
        self.description = self._describe(callee)

    def definition(self) -> dict[str, Any]:
        """The API's tool definition: name, description, input_schema."""
        return {"name": self.name, "description": self.description, "input_schema": self.input_schema}

    def call(self, arguments: dict[str, Any]) -> ToolOutput:
        """Validate and run; an async function runs to completion in a fresh loop on a worker thread."""
        result = self._invoke(self.validate(arguments))
        if inspect.isawaitable(result):
            result = _run_in_fresh_loop(result)
        return encode_result(result, name=self.name)

    async def acall(self, arguments: dict[str, Any]) -> ToolOutput:
        """Validate and run; an async function is awaited in the running loop, a sync one simply called."""
        result = self._invoke(self.validate(arguments))
        if inspect.isawaitable(result):
            result = await result
        return encode_result(result, name=self.name)

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The arguments converted to the parameters' types; `ToolInputError` names each bad field."""
        if not isinstance(arguments, dict):
            raise ToolInputError(f"arguments for `{self.name}` must be a JSON object, not {type(arguments).__name__}")
        try:
            validated: dict[str, Any] = self._validator(**arguments)
        except pydantic.ValidationError as error:
            raise ToolInputError(self._input_message(error)) from None
        return validated

    def _invoke(self, validated: dict[str, Any]) -> Any:
        args, kwargs = _bind(self._signature, validated)
        return self._callee(*args, **kwargs)

    def _describe(self, callee: Any) -> str:
        if self._sdk_tool is not None and self._sdk_tool.description:
            return str(self._sdk_tool.description)
        parsed = _docstring(callee)
        parts = [part for part in (parsed.short_description, parsed.long_description) if part]
        return "\n\n".join(parts) or f"{self.name}{_plain_signature(callee)}"

    def _schema(self, callee: Any) -> dict[str, Any]:
        schema = _json_schema(self.name, self._validator, self._signature)
        if any(param.kind is _P.VAR_KEYWORD for param in self._signature.parameters.values()):
            schema.setdefault("additionalProperties", True)  # pydantic leaves it out for **kwargs: Any
        properties = schema.get("properties", {})
        for param in _docstring(callee).params:
            prop = properties.get(param.arg_name)
            if isinstance(prop, dict) and param.description and "description" not in prop:
                prop["description"] = param.description
        return schema

    def _input_message(self, error: pydantic.ValidationError) -> str:
        problems = [self._problem(detail) for detail in error.errors(include_url=False)]
        return f"invalid arguments for `{self.name}`: " + "; ".join(problems)

    def _problem(self, detail: Any) -> str:
        where = ".".join(str(part) for part in detail["loc"]) or "(arguments)"
        if detail["type"] == "unexpected_keyword_argument":
            known = ", ".join(self._signature.parameters) or "none"
            return f"{where}: not a parameter of `{self.name}` (its parameters: {known})"
        if detail["type"].startswith("missing"):  # missing, missing_keyword_only_argument, ...
            return f"{where}: required"
        got = repr(detail.get("input"))
        got = got if len(got) <= GOT_CHARS else got[: GOT_CHARS - 1] + "…"
        return f"{where}: {detail['msg']} (got {got})"

    def __repr__(self) -> str:
        return f"<FunctionTool {self.name}{_plain_signature(self._callee)}>"


def function_tool(name: str, value: object) -> FunctionTool:
    """The tool for `value`, a callable found in the user's namespace under `name`.

    Plain and async functions, lambdas, bound methods, `functools.partial`, callable objects and
    functions decorated with the SDK's `beta_tool` are accepted. A name the API refuses, something
    not callable, a class, or a parameter whose type has no JSON schema is a `ToolDefinitionError`.
    """
    if not NAME_PATTERN.match(name):
        raise ToolDefinitionError(
            f"`{name}` cannot be a tool name: the API takes 1-128 ASCII letters, digits, _ or -; "
            "bind the function to such a name first"
        )
    if inspect.isclass(value):
        raise ToolDefinitionError(
            f"`{name}` is a class, which is not supported as a tool: pass a function, or a method of an instance"
        )
    if not callable(value):
        raise ToolDefinitionError(
            f"`{name}` is not callable (it is of type {type(value).__name__}): --tools takes the names of functions "
            "in the notebook"
        )
    return FunctionTool(name, value)


# -- the signature the model sees ------------------------------------------------------------------------------------


def _sdk_tool(value: Any) -> Any:
    """The SDK's BetaFunctionTool / BetaAsyncFunctionTool behind `value`, when `beta_tool` made it."""
    module = sys.modules.get("anthropic.lib.tools._beta_functions")
    if module is None or not isinstance(value, module.BaseFunctionTool):
        return None
    return value


def _exposed_signature(name: str, callee: Any) -> inspect.Signature:
    """`callee`'s parameters as the model sees them, with resolved hints; partial's keywords left out."""
    try:
        signature = inspect.signature(callee)
    except (TypeError, ValueError):
        raise ToolDefinitionError(
            f"`{name}` has no signature Python can read; wrap it in a def with typed parameters"
        ) from None
    hints = _type_hints(name, callee)
    bound = set(callee.keywords) if isinstance(callee, functools.partial) else set()
    params = [
        param.replace(annotation=hints.get(param.name, param.annotation))
        for param in signature.parameters.values()
        if param.name not in bound
    ]
    return signature.replace(parameters=params)


def _type_hints(name: str, callee: Any) -> dict[str, Any]:
    """The resolved annotations of the function behind `callee` (string annotations evaluated)."""
    source = _documented(callee)
    try:
        return typing.get_type_hints(source, include_extras=True)
    except (NameError, AttributeError, SyntaxError) as error:
        message = f"the type hints of `{name}` cannot be resolved ({error}); define their types first"
        raise ToolDefinitionError(message) from None
    except TypeError:  # a builtin or an object without annotations
        return {}


def _documented(callee: Any) -> Any:
    """The function whose docstring and annotations describe `callee`."""
    while isinstance(callee, functools.partial):
        callee = callee.func
    if not (inspect.isroutine(callee) or inspect.ismethod(callee)) and hasattr(type(callee), "__call__"):  # noqa: B004
        return callee.__call__
    return callee


def _docstring(callee: Any) -> docstring_parser.Docstring:
    source = _documented(callee)
    if source is callee or isinstance(callee, functools.partial):
        doc = inspect.getdoc(source)
    else:  # a callable object: its own __call__'s docstring, else its class's (never one inherited from object)
        doc = type(callee).__call__.__doc__ or type(callee).__doc__
    return docstring_parser.parse(inspect.cleandoc(doc or ""))


def _plain_signature(callee: Any) -> str:
    try:
        return str(inspect.signature(callee))
    except (TypeError, ValueError):
        return "(...)"


# -- validation and schema ---------------------------------------------------------------------------------------------


def _shim_parameter(param: inspect.Parameter) -> inspect.Parameter:
    """The keyword-only (or **) parameter pydantic validates for `param`."""
    annotation = Any if param.annotation is _P.empty else param.annotation
    if param.kind is _P.VAR_POSITIONAL:
        return _P(param.name, _P.KEYWORD_ONLY, annotation=list[annotation], default=())  # type: ignore[valid-type]
    if param.kind is _P.VAR_KEYWORD:
        return param.replace(annotation=annotation)
    return _P(param.name, _P.KEYWORD_ONLY, annotation=annotation, default=param.default)


def _validator(name: str, signature: inspect.Signature) -> Any:
    """`validate_call` of a shim that takes the exposed parameters by keyword and returns them validated."""

    def arguments(**validated: Any) -> dict[str, Any]:
        return validated

    params = [_shim_parameter(param) for param in signature.parameters.values()]
    arguments.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    arguments.__annotations__ = {param.name: param.annotation for param in params}
    arguments.__qualname__ = arguments.__name__ = name
    try:
        return pydantic.validate_call(arguments)
    except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticUserError) as error:
        raise _no_schema(name, signature, error) from None


def _json_schema(name: str, validator: Any, signature: inspect.Signature) -> dict[str, Any]:
    try:
        schema: dict[str, Any] = TypeAdapter(validator).json_schema()
    except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticInvalidForJsonSchema) as error:
        raise _no_schema(name, signature, error) from None
    return schema


def _no_schema(name: str, signature: inspect.Signature, error: Exception) -> ToolDefinitionError:
    """The error naming the first parameter whose type has no JSON schema."""
    for param in signature.parameters.values():
        annotation = _shim_parameter(param).annotation
        try:
            TypeAdapter(annotation).json_schema()
        except _NO_SCHEMA:
            shown = getattr(param.annotation, "__name__", None) or repr(param.annotation)
            return ToolDefinitionError(
                f"parameter `{param.name}` of `{name}` has type {shown}, which has no JSON schema; give it a JSON "
                f"type (str, int, float, bool, list, dict, a dataclass or pydantic model) or bind it with "
                f"functools.partial({name}, {param.name}=...)"
            )
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ToolDefinitionError(f"the signature of `{name}` has no JSON schema ({first}); simplify its parameter types")


def _bind(signature: inspect.Signature, validated: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments for the real call, from the validated keyword mapping."""
    params = list(signature.parameters.values())
    star = next((i for i, p in enumerate(params) if p.kind is _P.VAR_POSITIONAL), -1)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    named = set()
    for index, param in enumerate(params):
        named.add(param.name)
        if param.kind is _P.VAR_KEYWORD:
            continue
        value = validated.get(param.name, param.default)
        if param.kind is _P.VAR_POSITIONAL:
            args.extend(value)
        elif param.kind is _P.POSITIONAL_ONLY or (param.kind in _POSITIONAL and index < star):
            args.append(value)
        elif param.name in validated:
            kwargs[param.name] = value
    kwargs.update({key: value for key, value in validated.items() if key not in named})
    return args, kwargs


def _run_in_fresh_loop(awaitable: Any) -> Any:
    """Await `awaitable` to completion in a new event loop on a worker thread (the caller may be in a loop)."""

    async def finish() -> Any:
        return await awaitable

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="claude-magic-tool") as pool:
        return pool.submit(asyncio.run, finish()).result()
