"""4.x has no GET_BROKER_HA_STATUS: a master's slaves are found connected from the kernel's socket
table (the real 4.9.7 2m-2s-sync run of tests/usecases/test_version_smoke.py checks it on live
JVMs); here the table's format, as Linux prints /proc/net/tcp."""

from __future__ import annotations

from rocketui.services.ha_status import established_to

# header + a listener on 10912 (0A), the master's end of an HA link (01, local port 10912 = 2AA0),
# the slave's end of it (remote port 10912), and a TIME_WAIT (06) on 10912
TABLE = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2AA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:2AA0 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1
   2: 0100007F:C350 0100007F:2AA0 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1
   3: 0100007F:2AA0 0100007F:C351 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0
"""


def test_established_links_to_the_ha_port() -> None:
    assert established_to(TABLE, 10912) == 1
    assert established_to(TABLE, 50000) == 1  # the slave's side: its local port
    assert established_to(TABLE, 10911) == 0
    assert established_to("", 10912) == 0
