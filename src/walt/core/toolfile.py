"""Reading and writing tool files.

Loading is lenient about what others wrote and strict about what is wrong:

* sfr-walt files load as they are (``"type": "bool"``, numeric versions,
  free-text names, ``workflow_analysis`` and other unknown keys kept);
* the seed prototype's format loads too (an ``inputs`` mapping, ``navigate``
  steps, ``selector``/``value`` fields, ``{{name}}`` placeholders);
* everything wrong is reported at once by :class:`ToolFormatError`, each
  problem with its JSON path (``$.steps[2].url_operation: ...``).

A tool file is data: nothing in it is ever evaluated.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from walt.core.converter import converter, problems_of
from walt.core.errors import Problem, ToolFormatError
from walt.core.models import (
    AgentStep,
    ElementStep,
    KeyPressStep,
    NavigationStep,
    Tool,
    ToolCandidate,
    WaitStep,
)
from walt.core.patterns import pattern_error
from walt.core.placeholders import SYSTEM_VARIABLES, tool_placeholders
from walt.core.validate import validate_tool_name

__all__ = [
    "load_candidates",
    "load_tool",
    "load_tools",
    "save_tool",
    "tool_path",
    "tool_to_dict",
    "tool_to_json",
]

MAX_TOOL_FILE_BYTES: Final = 5 * 1024 * 1024
_INPUT_NAME_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
_TYPE_ALIASES: Final = {
    "bool": "boolean",
    "boolean": "boolean",
    "str": "string",
    "string": "string",
    "text": "string",
    "int": "integer",
    "integer": "integer",
    "float": "number",
    "number": "number",
}
_SEED_STEP_TYPES: Final = {
    "navigate": "navigation",
    "goto": "navigation",
    "fill": "input",
    "type": "input",
    "select": "select_change",
    "press": "key_press",
    "extract": "extract_page_content",
}
_DOUBLE_BRACES: Final = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}\}")


# --------------------------------------------------------------------------- compatibility


def _seed_text(value: Any) -> Any:
    return _DOUBLE_BRACES.sub(r"{\1}", value) if isinstance(value, str) else value


def _normalize_input(raw: Any) -> Any:
    if not isinstance(raw, Mapping):
        return raw
    item = dict(raw)
    kind = item.get("type")
    if isinstance(kind, str) and kind.lower() in _TYPE_ALIASES:
        item["type"] = _TYPE_ALIASES[kind.lower()]
    return item


def _normalize_step(raw: Any, seed: bool) -> Any:
    if not isinstance(raw, Mapping):
        return raw
    step = dict(raw)
    kind = step.get("type")
    if isinstance(kind, str) and kind in _SEED_STEP_TYPES:
        step["type"] = kind = _SEED_STEP_TYPES[kind]
    if "selector" in step and "cssSelector" not in step:
        step["cssSelector"] = step.pop("selector")
    if kind == "select_change" and "selectedText" not in step and "value" in step:
        step["selectedText"] = step.pop("value")
    if kind == "wait" and "seconds" not in step:
        for key in ("ms", "milliseconds", "duration", "timeout"):
            value = step.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                step.pop(key)
                step["seconds"] = value / 1000.0
                break
    if seed:
        for key in ("url", "value", "selectedText", "key", "cssSelector", "task", "goal"):
            if key in step:
                step[key] = _seed_text(step[key])
    return step


def _normalize(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Bring sfr-walt and seed documents to walt's canonical keys (problems are left to checks)."""
    data = dict(raw)
    seed = isinstance(data.get("inputs"), Mapping) and "input_schema" not in data
    if seed:
        inputs = data.pop("inputs")
        converted: list[Any] = []
        for name, spec in inputs.items():
            if isinstance(spec, Mapping):
                converted.append({"name": name, **spec})
            elif isinstance(spec, str):
                converted.append({"name": name, "type": spec})
            else:
                converted.append({"name": name, "type": spec})
        data["input_schema"] = converted
        data.setdefault("provenance", {"source": "seed"})
    raw_steps = data.get("steps")
    steps: list[Any] = raw_steps if isinstance(raw_steps, list) else []
    seed = seed or any(
        isinstance(s, Mapping) and (s.get("type") in _SEED_STEP_TYPES or "selector" in s)
        for s in steps
    )
    version = data.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        data["version"] = str(version)
    if isinstance(data.get("input_schema"), list):
        data["input_schema"] = [_normalize_input(i) for i in data["input_schema"]]
    if isinstance(data.get("steps"), list):
        data["steps"] = [_normalize_step(s, seed) for s in data["steps"]]
    if seed and isinstance(data.get("url_template"), str):
        data["url_template"] = _seed_text(data["url_template"])
    return data


# --------------------------------------------------------------------------- semantic checks


def _check(tool: Tool) -> list[Problem]:
    problems: list[Problem] = []
    if not tool.name.strip():
        problems.append(Problem("$.name", "must not be empty"))
    elif len(tool.name) > 200:
        problems.append(Problem("$.name", "must be at most 200 characters"))
    seen: dict[str, int] = {}
    for index, spec in enumerate(tool.inputs):
        path = f"$.input_schema[{index}]"
        if not _INPUT_NAME_RE.match(spec.name):
            problems.append(Problem(f"{path}.name", f"{spec.name!r} is not a valid input name"))
        if spec.name in seen:
            problems.append(
                Problem(
                    f"{path}.name", f"duplicate input {spec.name!r} (also at [{seen[spec.name]}])"
                )
            )
        seen.setdefault(spec.name, index)
        if spec.enum is not None and not spec.enum:
            problems.append(Problem(f"{path}.enum", "must not be empty (use null for no enum)"))
        if (
            spec.enum_labels is not None
            and spec.enum is not None
            and len(spec.enum_labels) != len(spec.enum)
        ):
            problems.append(Problem(f"{path}.enum_labels", "must have one label per enum value"))
        if (
            spec.default is not None
            and spec.enum
            and str(spec.default) not in {str(v) for v in spec.enum}
        ):
            problems.append(Problem(f"{path}.default", "must be one of the enum values"))
        if spec.pattern is not None:
            reason = pattern_error(spec.pattern)
            if reason is not None:
                problems.append(Problem(f"{path}.pattern", reason))
        if spec.minimum is not None and spec.maximum is not None and spec.minimum > spec.maximum:
            problems.append(Problem(f"{path}.minimum", "is greater than maximum"))
    for index, step in enumerate(tool.steps):
        path = f"$.steps[{index}]"
        if isinstance(step, NavigationStep):
            if (step.url is None) == (step.url_operation is None):
                problems.append(
                    Problem(
                        path, "a navigation step needs exactly one of 'url' and 'url_operation'"
                    )
                )
        elif (
            isinstance(step, ElementStep)
            and not isinstance(step, KeyPressStep)
            and not step.candidates()
        ):
            problems.append(
                Problem(path, "no way to find the element: give locators, cssSelector or xpath")
            )
        if isinstance(step, KeyPressStep) and not step.key.strip():
            problems.append(Problem(f"{path}.key", "must not be empty"))
        if isinstance(step, WaitStep) and step.seconds is not None and step.seconds < 0:
            problems.append(Problem(f"{path}.seconds", "must not be negative"))
        if isinstance(step, WaitStep) and step.until not in (
            None,
            "load",
            "domcontentloaded",
            "networkidle",
        ):
            problems.append(
                Problem(f"{path}.until", "must be load, domcontentloaded or networkidle")
            )
        if isinstance(step, AgentStep) and step.max_steps < 1:
            problems.append(Problem(f"{path}.max_steps", "must be at least 1"))
        if step.timeout is not None and step.timeout <= 0:
            problems.append(Problem(f"{path}.timeout", "must be positive"))
    declared = set(tool.input_names) | SYSTEM_VARIABLES
    for name, path in tool_placeholders(tool):
        if name not in declared:
            inputs = ", ".join(tool.input_names) or "none"
            problems.append(
                Problem(path, f"placeholder {{{name}}} is not an input (inputs: {inputs})")
            )
    if tool.url_template is not None and not (
        tool.url_template.startswith(("http://", "https://", "{"))
    ):
        problems.append(Problem("$.url_template", "must be an absolute http(s) URL template"))
    return problems


# --------------------------------------------------------------------------- loading


def read_limited(path: Path, limit: int = MAX_TOOL_FILE_BYTES) -> bytes:
    """The bytes of the regular file at ``path`` (a symlink to one counts), at most
    ``limit``: the limit is enforced while reading, so a device or a file that grows
    cannot exhaust memory, and a FIFO is never opened (it would block). Raises
    :class:`ToolFormatError` otherwise."""

    def refuse(why: str) -> ToolFormatError:
        return ToolFormatError(
            f"cannot read tool file {str(path)!r}: {why}",
            problems=[("$", why)],
            source=str(path),
        )

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise refuse("not a regular file")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise refuse(str(exc.strerror or exc)) from exc
    if len(data) > limit:
        raise refuse(f"larger than {limit} bytes")
    return data


def _read_source(source: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[Any, str | None]:
    if isinstance(source, Mapping):
        return source, None
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and not source.lstrip().startswith(("{", "["))
    ):
        path = Path(source)
        text = read_limited(path).decode("utf-8", errors="replace")
        return _parse_json(text, str(path)), str(path)
    if isinstance(source, str):
        return _parse_json(source, None), None
    raise ToolFormatError(
        f"cannot load a tool from {type(source).__name__}: pass a path, JSON text or a dict",
        problems=[("$", f"unsupported source type {type(source).__name__}")],
    )


def _parse_json(text: str, origin: str | None) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f" in {origin!r}" if origin else ""
        detail = (
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            if isinstance(exc, json.JSONDecodeError)
            else "JSON nested too deeply"
        )
        raise ToolFormatError(
            f"not a tool{where}: {detail}", problems=[("$", detail)], source=origin
        ) from exc


def load_tool(source: str | os.PathLike[str] | Mapping[str, Any]) -> Tool:
    """Load one tool from a path, JSON text or a dict.

    Raises :class:`ToolFormatError` (a ``ValueError``) listing every problem as
    ``path: problem``; never any other exception for any JSON input.
    """
    data, origin = _read_source(source)
    label = f"tool file {origin!r}" if origin else "tool"
    if not isinstance(data, Mapping):
        raise ToolFormatError(
            f"invalid {label}: expected a JSON object",
            problems=[("$", "expected an object")],
            source=origin,
        )
    if "input_schema" in data and isinstance(data.get("inputs"), Mapping):
        # Two lists of inputs, walt's and the seed format's: which one is meant cannot be
        # told, and keeping the second as an unknown key would load as a seed file next
        # time (a saved copy would not be the same tool).
        raise ToolFormatError(
            f"invalid {label}",
            problems=[("$.inputs", "an inputs mapping beside input_schema: give the inputs once")],
            source=origin,
        )
    try:
        tool = converter.structure(_normalize(data), Tool)
    except RecursionError as exc:
        raise ToolFormatError(
            f"invalid {label}", problems=[("$", "nested too deeply")], source=origin
        ) from exc
    except Exception as exc:
        raise ToolFormatError(
            f"invalid {label}", problems=list(problems_of(exc)), source=origin
        ) from exc
    problems = _check(tool)
    if problems:
        raise ToolFormatError(f"invalid {label}", problems=problems, source=origin)
    return attrs.evolve(tool, origin=origin) if origin else tool


def _tool_files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*.json")):
        if path.name.endswith(".tool.json"):
            yield path


def load_tools(directory: str | os.PathLike[str], *, strict: bool = True) -> list[Tool]:
    """Load every ``*.tool.json`` under ``directory`` (recursively), sorted by path.

    With ``strict=False`` unreadable files are skipped instead of raising.
    """
    root = Path(directory)
    if not root.is_dir():
        raise ToolFormatError(
            f"{str(root)!r} is not a directory", problems=[("$", "not a directory")]
        )
    tools: list[Tool] = []
    for path in _tool_files(root):
        try:
            tools.append(load_tool(path))
        except ToolFormatError:
            if strict:
                raise
    return tools


def tool_path(directory: str | os.PathLike[str], name: str) -> Path:
    """Where a directory of tools keeps the tool ``name``: ``<directory>/<name>/<name>.tool.json``
    (sfr-walt's layout); :class:`~walt.core.errors.ValidationError` for a name that is not
    a plain tool name (no path can be smuggled in)."""
    checked = validate_tool_name(name)
    return Path(directory) / checked / f"{checked}.tool.json"


def tool_to_dict(tool: Tool) -> dict[str, Any]:
    """The tool as a JSON-ready dict (the on-disk format)."""
    data: dict[str, Any] = converter.unstructure(tool, Tool)
    return data


def tool_to_json(tool: Tool, *, indent: int | None = 2) -> str:
    """The tool as the JSON text of a tool file."""
    return json.dumps(tool_to_dict(tool), indent=indent, ensure_ascii=False)


def save_tool(tool: Tool, path: str | os.PathLike[str]) -> Path:
    """Write ``tool`` as JSON to ``path`` atomically; parent directories are created."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = tool_to_json(tool, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


# --------------------------------------------------------------------------- exploration candidates


def load_candidates(source: str | os.PathLike[str] | Mapping[str, Any]) -> list[ToolCandidate]:
    """Load the candidates of an sfr-walt ``exploration_result.json`` (its ``workflows``)."""
    data, origin = _read_source(source)
    if not isinstance(data, Mapping) or not isinstance(data.get("workflows"), list):
        raise ToolFormatError(
            "invalid exploration result: expected an object with a 'workflows' list",
            problems=[("$.workflows", "expected a list")],
            source=origin,
        )
    try:
        return converter.structure(data["workflows"], list[ToolCandidate])
    except Exception as exc:
        raise ToolFormatError(
            "invalid exploration result",
            problems=[Problem("$.workflows" + p.path[1:], p.message) for p in problems_of(exc)],
            source=origin,
        ) from exc
