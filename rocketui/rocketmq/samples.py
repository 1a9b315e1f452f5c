"""The sample broker configurations of the binary distribution's conf/ directory, written
by rocketui (same keys and layouts as the official samples: 2m-noslave, 2m-2s-async, 2m-2s-sync)."""

from __future__ import annotations

HEADER = """\
# Sample broker configuration written by `rocketui install`.
# Only names, ids and roles are set, like the official samples: two of these started on one
# host collide on listenPort (10911) and on the store (~/store); set listenPort,
# storePathRootDir and namesrvAddr before starting several brokers on one machine.
"""


def _broker(name: str, broker_id: int, role: str, *, spaced: bool = False) -> str:
    sep = " = " if spaced else "="
    lines = [
        ("brokerClusterName", "DefaultCluster"),
        ("brokerName", name),
        ("brokerId", str(broker_id)),
        ("deleteWhen", "04"),
        ("fileReservedTime", "48"),
        ("brokerRole", role),
        ("flushDiskType", "ASYNC_FLUSH"),
    ]
    return HEADER + "".join(f"{k}{sep}{v}\n" for k, v in lines)


def sample_files() -> dict[str, str]:
    """Relative path under conf/ → content."""
    files = {"broker.conf": _broker("broker-a", 0, "ASYNC_MASTER", spaced=True)}
    for name in ("broker-a", "broker-b", "broker-trace"):
        files[f"2m-noslave/{name}.properties"] = _broker(name, 0, "ASYNC_MASTER")
    for mode, master_role in (("2m-2s-async", "ASYNC_MASTER"), ("2m-2s-sync", "SYNC_MASTER")):
        for name in ("broker-a", "broker-b"):
            files[f"{mode}/{name}.properties"] = _broker(name, 0, master_role)
            files[f"{mode}/{name}-s.properties"] = _broker(name, 1, "SLAVE")
    return files
