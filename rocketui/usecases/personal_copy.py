"""A sample cluster file (`copy_to:` set) is never edited in place: rocketui works on the
operator's own copy, made on first use and never overwritten.

The shipped `clusters/local.yaml` is such a sample: its broker file and any edit made through
rocketui (properties, the cluster file's `jvm:`) land in the copy under the operator's config
directory, so a git checkout of rocketui stays clean.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass

from rocketui.model.cluster import Cluster
from rocketui.model.loader import load_cluster
from rocketui.usecases.cluster_yaml import without_key


@dataclass(frozen=True)
class Opened:
    cluster: Cluster
    note: str  # what the operator should be told ("" when the file was used as it is)


def open_cluster(path: str) -> Opened:
    """Load a cluster file; for a sample, load (and on first use make) the operator's copy."""
    cluster = load_cluster(path)
    if cluster.copy_to is None:
        return Opened(cluster, "")
    target = os.path.abspath(os.path.expanduser(cluster.copy_to))
    if os.path.exists(target):
        copy = load_cluster(target)
        return Opened(copy, f"{path} is a sample; working on your copy {target}")
    _copy(cluster, path, target)
    return Opened(load_cluster(target), f"{path} is a sample; made your own copy {target} (edits go there)")


def _copy(cluster: Cluster, source: str, target: str) -> None:
    """The cluster file without `copy_to`, plus every file it names by a path relative to it
    (broker properties), at the same relative places beside the copy."""
    src_dir = os.path.dirname(os.path.abspath(source))
    dst_dir = os.path.dirname(target)
    os.makedirs(dst_dir, exist_ok=True)
    for node in cluster.nodes:
        if node.config and node.config.startswith(src_dir + os.sep) and os.path.exists(node.config):
            dest = os.path.join(dst_dir, os.path.relpath(node.config, src_dir))
            if not os.path.exists(dest):
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                shutil.copy2(node.config, dest)
    with open(source, encoding="utf-8") as f:
        text = without_key(f.read(), "copy_to")
    header = f"# Your copy of {os.path.abspath(source)}, made by rocketui on {time.strftime('%Y-%m-%d')}.\n"
    tmp = f"{target}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(header + text)
    os.replace(tmp, target)
