"""Host key policy of the SSH backend: verify against known_hosts, explain refusals, and append
the key only when the cluster file opted in with `trust_on_first_use` (never over a changed key).

Fingerprints are shown as `ssh-keygen -l` shows them (SHA256:...).  The remedies never suggest
`ssh-keyscan >> known_hosts`, which trusts whatever answers at that moment (the very attacker a
refusal may be about): they say to compare the fingerprint with the host's own, read out of band
(its console: `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub`), and only then add the exact line."""

from __future__ import annotations

import os

import asyncssh

from rocketui.backends.base import HostKeyTrusted
from rocketui.model.cluster import Host

DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"


def host_spec(address: str, port: int) -> str:
    """How OpenSSH names a host in known_hosts: `[addr]:port` unless the port is 22."""
    return address if port == 22 else f"[{address}]:{port}"


class HostKeyPolicy:
    """One connection attempt's view of known_hosts; `client()` validates the offered key."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.path = os.path.expanduser(host.known_hosts or DEFAULT_KNOWN_HOSTS)
        self.offered: asyncssh.SSHKey | None = None  # a key not in known_hosts, as the server sent it
        self.accepted_new = False
        try:
            with open(self.path) as f:
                text = f.read()
        except FileNotFoundError:
            text = ""
        except OSError as exc:
            raise ValueError(f"cannot read known_hosts {self.path}: {exc.strerror}") from None
        try:
            self.known = asyncssh.import_known_hosts(text)
        except (ValueError, asyncssh.KeyImportError) as exc:
            raise ValueError(f"cannot parse known_hosts {self.path}: {exc}") from None

    def known_keys(self, host: str, addr: str, port: int) -> list[asyncssh.SSHKey]:
        result = self.known.match(host, addr, port)
        return [*result[0], *result[1]]  # host keys and CA keys listed for this host

    def client(self) -> asyncssh.SSHClient:
        policy = self

        class _Client(asyncssh.SSHClient):
            def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
                # Called only for a key that is not in known_hosts.
                policy.offered = key
                if policy.host.trust_on_first_use and not policy.known_keys(host, addr, port):
                    policy.accepted_new = True
                    return True
                return False

        return _Client()

    def remember(self) -> HostKeyTrusted | None:
        """Append the key accepted on first use, as OpenSSH would; what was added (None: nothing)."""
        if not (self.accepted_new and self.offered):
            return None
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a") as f:
            f.write(self.line(self.offered))
        spec = host_spec(self.host.address, self.host.port)
        return HostKeyTrusted(self.host.name, spec, self.offered.get_algorithm(), fingerprint(self.offered), self.path)

    def line(self, key: asyncssh.SSHKey) -> str:
        """The known_hosts line for `key` of this host."""
        kind, blob = key.export_public_key("openssh").decode().split()[:2]
        return f"{host_spec(self.host.address, self.host.port)} {kind} {blob}\n"

    def refusal(self) -> str:
        """Why the server's key was refused and how to trust it (a HostKeyNotVerifiable)."""
        spec = host_spec(self.host.address, self.host.port)
        key = self.offered
        if key is None:
            return f"host key of {spec} not accepted (revoked or no common key type) per {self.path}"
        offered = f"{key.get_algorithm()} {fingerprint(key)}"
        on_host = "ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the host's console"
        add = f"add the line for the offered key: printf '%s\\n' '{self.line(key).strip()}' >> {self.path}"
        expected = self.known_keys(self.host.address, self.host.address, self.host.port)
        if expected:
            listed = ", ".join(dict.fromkeys(f"{k.get_algorithm()} {fingerprint(k)}" for k in expected))
            return (
                f"HOST KEY CHANGED for {spec}: {self.path} expects {listed} but the host offered {offered}; "
                "this may be a man-in-the-middle. If the host was really reinstalled, check the new fingerprint "
                f"out of band ({on_host}); only if it matches, remove the old entry with: ssh-keygen -R '{spec}' "
                f"-f {self.path}, then {add}"
            )
        return (
            f"unknown host key for {spec}: {offered} (not in {self.path}). Check this fingerprint out of band "
            f"({on_host}); only if it matches, {add} -- or set trust_on_first_use: true for host "
            f"'{self.host.name}' (the key is then added on the next connection and its fingerprint shown)"
        )


def fingerprint(key: asyncssh.SSHKey) -> str:
    """SHA256:<base64>, as ssh-keygen -l prints it."""
    return str(key.get_fingerprint("sha256"))
