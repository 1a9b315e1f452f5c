#!/bin/sh
# Print "Class key type" for every property a RocketMQ broker reads from its -c file, by listing
# the public one-argument setters of its config classes with javap (the way
# MixAll.properties2Object matches keys: setFooBar -> fooBar, only int/long/double/float/boolean
# and String parameters).  `mqbroker -p` is no substitute: in 5.5.0 it prints neither
# MessageStoreConfig nor the inherited BrokerIdentity keys (brokerName, brokerId, ...).
# Used to regenerate rocketui/rocketmq/broker_keys_data.py:  sh scripts/broker_setter_keys.sh HOME
set -eu
home=${1:?usage: broker_setter_keys.sh ROCKETMQ_HOME}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
for entry in \
    "rocketmq-common org/apache/rocketmq/common/BrokerIdentity" \
    "rocketmq-common org/apache/rocketmq/common/BrokerConfig" \
    "rocketmq-remoting org/apache/rocketmq/remoting/netty/NettyServerConfig" \
    "rocketmq-remoting org/apache/rocketmq/remoting/netty/NettyClientConfig" \
    "rocketmq-store org/apache/rocketmq/store/config/MessageStoreConfig" \
    "rocketmq-auth org/apache/rocketmq/auth/config/AuthConfig"; do
    set -- $entry
    jar=$(ls "$home"/lib/"$1"-[0-9]*.jar | head -1)
    unzip -o -q "$jar" "$2.class"
    javap "$2.class" | sed -n -E 's/^  public [A-Za-z.]+ set([A-Za-z0-9_]+)\((java\.lang\.)?([A-Za-z]+)\);$/\1 \3/p' |
        awk -v cls="$(basename "$2")" '$2 ~ /^(int|Integer|long|Long|double|Double|float|Float|boolean|Boolean|String)$/ {
            print cls, tolower(substr($1, 1, 1)) substr($1, 2), tolower($2) }'
done
