"""`brokerLogDir`, the system property a broker's logback XML puts its files under.

BrokerStartup (4.9.7 and 5.x alike) sets it just before it configures logback: empty, or
`<brokerName>_<brokerId>` with isolateLogEnable=true (`<brokerName>_<dLegerSelfId>` in DLedger
mode).  It is set inside the JVM, never on the command line, so a log reader derives it from the
broker's properties.  The 4.x XML puts it as a subdirectory (`rocketmqlogs/${brokerLogDir}/`),
the 5.x XML glues it to the directory name (`rocketmqlogs${brokerLogDir}`).
"""

from __future__ import annotations

from collections.abc import Mapping


def broker_log_dir(properties: Mapping[str, str]) -> str:
    """The `brokerLogDir` a broker with these properties sets (BrokerStartup, 4.9.7 and 5.x)."""
    if properties.get("isolateLogEnable", "false").strip().lower() != "true":
        return ""
    name = properties.get("brokerName", "").strip()
    if properties.get("enableDLegerCommitLog", "false").strip().lower() == "true":
        return f"{name}_{properties.get('dLegerSelfId', '').strip()}"
    role = properties.get("brokerRole", "ASYNC_MASTER").strip()
    broker_id = "0" if role != "SLAVE" else properties.get("brokerId", "0").strip()  # masters are forced to 0
    return f"{name}_{broker_id}"
