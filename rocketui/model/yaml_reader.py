"""Typed, position-keeping access to a composed YAML document, for the cluster file loaders.

The file is composed into PyYAML nodes (not plain dicts) so every problem can be reported as
`file:line: what is wrong; what is expected`; problems are collected, not raised, so one run
reports all of them.  `compose` also bounds what a hostile or broken file can cost: its size
and its nesting depth are checked on the token stream (PyYAML's composer recurses once per
level, and a few thousand `[` end in a RecursionError).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.nodes import Node as YNode

from rocketui.model.cluster import Pos

# A 300-node cluster file is ~60 KB; anything near this limit is not a cluster definition.
MAX_FILE_BYTES = 2 * 1024 * 1024
# The deepest real cluster file nests ~5 levels (nodes → item → jvm → extra → item).
MAX_DEPTH = 32

_OPENERS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSERS = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
Mapping = dict[str, tuple[YNode, YNode]]
# libyaml's loader when PyYAML was built with it: ~10x faster on a 300-node file, same nodes and
# marks.  A file it rejects is read again by the pure-Python loader, whose messages say more
# ("expected ',' or ']', but got ':'").
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    pos: Pos
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: {self.message}"


class ClusterFileError(Exception):
    """Every problem found in a cluster file, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.pos.file, p.pos.line))
        super().__init__("\n".join(str(p) for p in self.problems))


def fail(path: str, line: int, message: str) -> ClusterFileError:
    return ClusterFileError([Problem(Pos(path, line), message)])


def compose(text: str, path: str) -> YNode | None:
    """The document's node tree; ClusterFileError for syntax errors, oversize or over-deep files."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        raise fail(
            path,
            0,
            f"the file is {size / 1048576:.1f} MiB; a cluster file is expected to be under "
            f"{MAX_FILE_BYTES // 1048576} MiB (is this the right file?)",
        )
    try:
        return _compose(text, path, _FAST_LOADER)
    except yaml.YAMLError:
        pass
    try:
        return _compose(text, path, yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context = f" ({exc.context})" if exc.context else ""
        raise fail(path, mark.line + 1 if mark else 0, f"YAML syntax error: {exc.problem or exc}{context}") from None
    except yaml.YAMLError as exc:
        raise fail(path, 0, f"YAML error: {exc}") from None
    except RecursionError:  # a structure the depth scan did not see (should not happen)
        raise fail(path, 0, f"the YAML nests too deeply; expected at most {MAX_DEPTH} levels") from None


def _compose(text: str, path: str, loader: Any) -> YNode | None:
    _check_depth(text, path, loader)
    node: YNode | None = yaml.compose(text, Loader=loader)
    return node


def _check_depth(text: str, path: str, loader: Any) -> None:
    depth = 0
    for token in yaml.scan(text, Loader=loader):
        if isinstance(token, _OPENERS):
            depth += 1
            if depth > MAX_DEPTH:
                raise fail(
                    path,
                    token.start_mark.line + 1,
                    f"the YAML nests more than {MAX_DEPTH} levels deep here; a cluster file needs about 5",
                )
        elif isinstance(token, _CLOSERS):
            depth -= 1


def describe(node: YNode) -> str:
    """What a node is, for messages: 'a mapping', 'a list', 'empty', "int '12'"."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = node.tag.rsplit(":", 1)[-1]
    return "empty" if tag == "null" else f"{tag} {node.value!r}"


EXPECT = {
    "str": "a non-empty text",
    "optstr": "a text",
    "int": "an integer",
    "bool": "true or false",
    "float": "a number",
}


def close_match(word: str, options: tuple[str, ...]) -> str | None:
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    return found[0] if found else None


def scalar_text(node: YNode) -> str | None:
    """The raw text of a scalar node (None for mappings and lists)."""
    return node.value if isinstance(node, ScalarNode) else None


class YamlReader:
    """Typed access to YAML nodes that records problems instead of raising."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def pos(self, node: YNode) -> Pos:
        return Pos(self.file, node.start_mark.line + 1)

    def error(self, node: YNode | Pos, message: str) -> None:
        pos = node if isinstance(node, Pos) else self.pos(node)
        self.problems.append(Problem(pos, message))

    def mapping(self, node: YNode, where: str, allowed: tuple[str, ...]) -> Mapping:
        """Keys → (key node, value node); unknown and duplicate keys are problems."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{where} must be a mapping (key: value lines), not {describe(node)}")
            return {}
        out: Mapping = {}
        for knode, vnode in node.value:
            key = knode.value if isinstance(knode, ScalarNode) else None
            if not isinstance(key, str):
                self.error(knode, f"{where} has a non-text key; expected one of: {', '.join(allowed)}")
            elif key not in allowed:
                hint = close_match(key, allowed)
                self.error(
                    knode,
                    f"unknown key '{key}' in {where}"
                    + (f" (did you mean '{hint}'?)" if hint else "")
                    + f"; expected one of: {', '.join(allowed)}",
                )
            elif key in out:
                self.error(knode, f"duplicate key '{key}' in {where} (first at line {self.pos(out[key][0]).line})")
            else:
                out[key] = (knode, vnode)
        return out

    def required(self, m: Mapping, key: str, parent: YNode, where: str, kind: str) -> Any:
        if key not in m:
            self.error(parent, f"{where} is missing required key '{key}'")
            return None
        return self.scalar(m[key][1], key if where == "the cluster file" else f"{where}.{key}", kind)

    def optional(self, m: Mapping, key: str, where: str, kind: str) -> Any:
        return self.scalar(m[key][1], f"{where}.{key}", kind) if key in m else None

    def scalar(self, node: YNode, where: str, kind: str) -> Any:
        """kind: str | int | bool | float | optstr.  Returns None after recording a problem."""
        if not isinstance(node, ScalarNode):
            self.error(node, f"{where} must be {EXPECT[kind]}, not {describe(node)}")
            return None
        return _SCALARS[kind](self, node, where, node.tag.rsplit(":", 1)[-1])

    def _text(self, node: ScalarNode, where: str, tag: str, optional: bool) -> str | None:
        kind = "optstr" if optional else "str"
        if tag == "null":
            if not optional:
                self.error(node, f"{where} is empty; expected {EXPECT[kind]}")
            return None
        if tag != "str":
            self.error(node, f"{where} must be text, got {tag} {node.value!r}; quote it if it is meant as text")
            return None
        if node.value.strip() != node.value or not node.value:
            self.error(
                node, f"{where} {node.value!r} has leading/trailing whitespace or is empty; expected {EXPECT[kind]}"
            )
            return None
        return str(node.value)

    def _int(self, node: ScalarNode, where: str, tag: str) -> int | None:
        if tag != "int":
            self.error(node, f"{where} must be an integer, got {node.value!r}")
            return None
        return int(node.value, 0)

    def _bool(self, node: ScalarNode, where: str, tag: str) -> bool | None:
        if tag != "bool":
            self.error(node, f"{where} must be true or false, got {node.value!r}")
            return None
        return str(node.value).lower() in ("true", "yes", "on")

    def _float(self, node: ScalarNode, where: str, tag: str) -> float | None:
        if tag not in ("int", "float"):
            self.error(node, f"{where} must be a number of seconds, got {node.value!r}")
            return None
        return float(node.value)


_SCALARS = {
    "str": lambda r, n, w, t: r._text(n, w, t, False),
    "optstr": lambda r, n, w, t: r._text(n, w, t, True),
    "int": YamlReader._int,
    "bool": YamlReader._bool,
    "float": YamlReader._float,
}
