"""Writing what a cluster needs onto its hosts: the broker files its topology generates
(`generate`) and the RocketMQ distribution on SSH hosts (`install --host`).  Both are changes:
planned first, refused in read-only mode, journaled with every file written."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rocketui.backends.base import BackendError, HostPool
from rocketui.model.cluster import Cluster
from rocketui.rocketmq.install import InstallError
from rocketui.services import generate as gen
from rocketui.services.remote_install import Provisioned, install_on_hosts
from rocketui.usecases.gate import ActionRecord, Gate, Outcome, ReadOnlyError

Log = Callable[[str], None]


class Provision:
    def __init__(self, cluster: Cluster, pool: HostPool, gate: Gate) -> None:
        self.cluster = cluster
        self.pool = pool
        self.gate = gate

    async def plan_generate(self) -> list[gen.PlannedFile]:
        """What `generate` would write (GenerateError when the cluster has no topology)."""
        return await gen.plan(self.cluster, self.pool)

    async def generate(self, planned: list[gen.PlannedFile], *, force: bool = False) -> Outcome[list[gen.PlannedFile]]:
        changed = [p for p in planned if p.changes]

        async def body(record: ActionRecord) -> list[gen.PlannedFile]:
            written = await gen.write(self.pool, changed, force=force)
            record.files += [f"{p.node.host}: {p.path}" for p in written]
            return written

        try:
            written = await self.gate.run("generate", None, None, body)
        except ReadOnlyError as exc:
            return Outcome.refusal("generate", None, f"{exc}; nothing written")
        except gen.GenerateError as exc:
            return Outcome.refusal("generate", None, str(exc))
        except (BackendError, OSError) as exc:
            return Outcome("generate", None, False, str(exc))
        return Outcome("generate", None, True, f"wrote {len(written)} file(s)", value=written)

    async def install_hosts(
        self, hosts: Sequence[str], source: str, *, force: bool = False, log: Log = print
    ) -> Outcome[list[Provisioned]]:
        """Copy the distribution installed here onto SSH hosts of the cluster."""

        async def body(record: ActionRecord) -> list[Provisioned]:
            done = await install_on_hosts(self.cluster, self.pool, hosts, source, force=force, log=log)
            record.files += [f"{p.host}: {p.home}" for p in done if not p.already]
            return done

        try:
            done = await self.gate.run("install", None, ",".join(hosts), body)
        except ReadOnlyError as exc:
            return Outcome.refusal("install", None, f"{exc}; nothing installed")
        except InstallError as exc:
            return Outcome("install", None, False, str(exc))
        return Outcome("install", None, True, f"installed on {len(done)} host(s)", value=done)
