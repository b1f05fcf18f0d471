"""OpenAssistant (oasst1/oasst2) message trees → one conversation per tree, along the best path.

Three layouts are read:

- ``oasst_tree``: the official tree export, ``{message_tree_id, tree_state, prompt: {..., replies: [...]}}``;
- ``oasst_nested``: a root message with nested ``replies`` (``{message_id, text, role, replies}``);
- ``oasst_flat``: one message per line (``{message_id, parent_id, text, role, ...}``), as in the
  Hugging Face release; trees are rebuilt from ``parent_id`` first.

Best path: from the root, at each level take the reply with the lowest ``rank`` (unranked replies
come after ranked ones; ties broken by ``message_id``), skipping messages with ``deleted: true``.
This is the "best-ranked thread" the oasst authors and LLaMA-Factory's oaast_sft use for SFT.
Roles: prompter → user, assistant → assistant.
"""

from __future__ import annotations

from typing import Any

from curate.readers.containers import RawRecord
from curate.readers.formats import Conversion, Malformed

_ROLES = {"prompter": "user", "assistant": "assistant"}


class DeletedRoot(Malformed):
    """The tree's root message is marked ``deleted``: there is no conversation to take."""

    reason = "oasst_deleted_root"


def _rank_key(m: dict) -> tuple:
    rank = m.get("rank")
    ranked = isinstance(rank, (int, float)) and not isinstance(rank, bool)
    return (not ranked, rank if ranked else 0, str(m.get("message_id", "")))


def best_path(root: dict) -> list[dict]:
    """Messages from ``root`` down the best-ranked, non-deleted replies (see module docstring)."""
    path = [root]
    node = root
    while True:
        replies = node.get("replies") or []
        alive = [r for r in replies if isinstance(r, dict) and not r.get("deleted")]
        if not alive:
            return path
        node = min(alive, key=_rank_key)
        path.append(node)


def _count(root: dict) -> int:
    n, stack = 0, [root]
    while stack:
        m = stack.pop()
        n += 1
        stack.extend(r for r in m.get("replies") or [] if isinstance(r, dict))
    return n


def convert_root(root: Any, tree_id: Any = None, tree_state: Any = None) -> Conversion:
    """One conversation from a root message with nested ``replies``. Raises ``Malformed``.

    Meta: ``original_id`` (tree id, else root message id), ``lang`` (root's), ``message_langs``,
    ``tree_state`` when known, and ``tree_messages`` (messages in the whole tree, so the share of
    alternatives not taken is visible).
    """
    if not isinstance(root, dict):
        raise Malformed(f"root message is {type(root).__name__}, expected object")
    if root.get("deleted"):
        raise DeletedRoot("root message is deleted")
    msgs, langs = [], []
    for depth, m in enumerate(best_path(root)):
        role = _ROLES.get(m.get("role")) if isinstance(m.get("role"), str) else None
        if role is None:
            raise Malformed(f"message at depth {depth}: unknown role {m.get('role')!r}")
        text = m.get("text")
        if not isinstance(text, str):
            raise Malformed(f"message at depth {depth}: 'text' is {type(text).__name__}, expected str")
        msgs.append({"role": role, "content": text})
        langs.append(m.get("lang") if isinstance(m.get("lang"), str) else None)
    meta: dict[str, Any] = {}
    oid = tree_id if tree_id is not None else root.get("message_tree_id", root.get("message_id"))
    if oid is not None:
        meta["original_id"] = str(oid)
    if langs[0] is not None:
        meta["lang"] = langs[0]
    if any(lang is not None for lang in langs):
        meta["message_langs"] = langs
    if tree_state is not None:
        meta["tree_state"] = str(tree_state)
    meta["tree_messages"] = _count(root)
    return msgs, meta


def conv_oasst_tree(rec: dict) -> list[Conversion]:
    """Official tree export ``{message_tree_id, tree_state, prompt}``."""
    if not isinstance(rec.get("prompt"), dict):
        raise Malformed("field 'prompt' must be the root message object")
    return [convert_root(rec["prompt"], rec.get("message_tree_id"), rec.get("tree_state"))]


def conv_oasst_nested(rec: dict) -> list[Conversion]:
    """A root message with nested ``replies``."""
    if rec.get("parent_id") is not None:
        raise Malformed(f"message {rec.get('message_id')} has parent_id {rec.get('parent_id')}: not a root")
    return [convert_root(rec, rec.get("message_tree_id"), rec.get("tree_state"))]


def rebuild_flat(items: list[RawRecord], name: str) -> tuple[list[tuple[RawRecord, dict]], list[tuple[RawRecord, str, str]]]:
    """Rebuild trees from flat messages.

    Returns ``(roots, problems)``: ``roots`` as ``(record of the root, nested root dict)`` in file
    order; ``problems`` as ``(record, drop_reason, drop_detail)`` for messages that cannot join a
    tree: ``duplicate_message`` (a message_id seen before), ``oasst_orphan`` (parent not in the
    file; one entry per orphan subtree, with its size) and ``malformed_record`` (no message_id).
    """
    nodes: dict[str, dict] = {}
    where: dict[str, RawRecord] = {}
    order: list[str] = []
    problems: list[tuple[RawRecord, str, str]] = []
    for it in items:
        m = it.value
        mid = m.get("message_id")
        if not isinstance(mid, str):
            problems.append((it, "malformed_record", f"{it.where(name)}: missing or non-string 'message_id'"))
            continue
        if mid in nodes:
            problems.append((it, "duplicate_message", f"{it.where(name)}: message_id {mid} seen at {where[mid].where(name)}"))
            continue
        pid = m.get("parent_id")
        if pid is not None and not isinstance(pid, str):
            problems.append((it, "malformed_record", f"{it.where(name)}: parent_id is {type(pid).__name__}, expected a string"))
            continue
        nodes[mid] = {**m, "replies": []}
        where[mid] = it
        order.append(mid)
    roots, orphans = [], []
    for mid in order:
        node = nodes[mid]
        pid = node.get("parent_id")
        if pid is None:
            roots.append(mid)
        elif pid in nodes:
            nodes[pid]["replies"].append(node)
        else:
            orphans.append(mid)
    seen: set[str] = set()

    def walk(mid: str) -> int:
        n, stack = 0, [nodes[mid]]
        while stack:
            m = stack.pop()
            if m["message_id"] in seen:
                continue
            seen.add(m["message_id"])
            n += 1
            stack.extend(m["replies"])
        return n

    for mid in roots:
        walk(mid)
    for mid in orphans:
        size = walk(mid)
        problems.append((where[mid], "oasst_orphan",
                         f"{where[mid].where(name)}: parent {nodes[mid]['parent_id']} of message {mid} "
                         f"is not in the file ({size} message(s) in its subtree not read)"))
    for mid in order:  # what is left can only be a parent_id cycle
        if mid not in seen:
            size = walk(mid)
            problems.append((where[mid], "oasst_orphan",
                             f"{where[mid].where(name)}: message {mid} is in a parent_id cycle ({size} message(s))"))
    return [(where[mid], nodes[mid]) for mid in roots], problems

