"""Where logback puts a node's files: the shape of RocketMQ 5.5.0's rmq.broker.logback.xml."""

from __future__ import annotations

from rocketui.rocketmq.logs import logback_files

# As in the 5.5.0 distribution: a SiftingAppender keyed by brokerContainerLogDir (an MDC value only
# a broker container sets) and a nested ${brokerLogDir:-${file.separator}} default.
BROKER_XML = """\
<configuration scan="true" scanPeriod="30 seconds">
    <appender name="RocketmqBrokerAppender_inner" class="ch.qos.logback.classic.sift.SiftingAppender">
        <discriminator>
            <key>brokerContainerLogDir</key>
            <defaultValue>${file.separator}</defaultValue>
        </discriminator>
        <sift>
            <appender name="RocketmqBrokerAppender" class="ch.qos.logback.core.rolling.RollingFileAppender">
                <file>${user.home}${file.separator}logs${file.separator}rocketmqlogs${brokerLogDir:-${file.separator}}${brokerContainerLogDir}${file.separator}broker.log</file>
            </appender>
        </sift>
    </appender>
    <appender name="Other" class="ch.qos.logback.core.FileAppender">
        <file>${custom.dir:-/var/log/rmq}/other.log</file>
    </appender>
</configuration>
"""


def test_sift_default_and_nested_defaults_resolve_to_the_real_path() -> None:
    assert logback_files(BROKER_XML, {"user.home": "/srv/b"}) == [
        "/srv/b/logs/rocketmqlogs/broker.log",
        "/var/log/rmq/other.log",
    ]


def test_system_properties_and_the_mdc_key_win_over_defaults() -> None:
    props = {"user.home": "/h", "brokerLogDir": "/logs-b", "brokerContainerLogDir": "/c1", "custom.dir": "/x"}
    assert logback_files(BROKER_XML, props) == ["/h/logs/rocketmqlogs/logs-b/c1/broker.log", "/x/other.log"]
