#!/bin/sh
# JVM launcher for the broker: written by rocketui to behave like the launcher of the RocketMQ
# binary distribution (8g heap, G1, 15g direct memory, AlwaysPreTouch by default).  JAVA_OPT_EXT
# is appended after the defaults, so options given there win (the JVM takes the last occurrence).
@@JAVA_HOME@@

choose_gc_options() {
    # "1.8.0_x" -> 8, "17.0.15" -> 17
    JAVA_MAJOR_VERSION=$("$JAVA" -version 2>&1 | head -1 | cut -d'"' -f2 | sed 's/^1\.//' | cut -d'.' -f1)
    if [ -z "$JAVA_MAJOR_VERSION" ] || [ "$JAVA_MAJOR_VERSION" -lt "8" ]; then
        JAVA_OPT="${JAVA_OPT} -Xmn4g -XX:+UseConcMarkSweepGC -XX:+UseCMSCompactAtFullCollection -XX:CMSInitiatingOccupancyFraction=70 -XX:+CMSParallelRemarkEnabled -XX:SoftRefLRUPolicyMSPerMB=0 -XX:+CMSClassUnloadingEnabled -XX:SurvivorRatio=8 -XX:-UseParNewGC"
    else
        JAVA_OPT="${JAVA_OPT} -XX:+UseG1GC -XX:G1HeapRegionSize=16m -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30 -XX:SoftRefLRUPolicyMSPerMB=0"
    fi
    if [ -z "$JAVA_MAJOR_VERSION" ] || [ "$JAVA_MAJOR_VERSION" -lt "9" ]; then
        JAVA_OPT="${JAVA_OPT} -verbose:gc -Xloggc:${GC_LOG_DIR}/rmq_srv_gc_%p_%t.log -XX:+PrintGCDetails -XX:+PrintGCDateStamps -XX:+PrintGCApplicationStoppedTime -XX:+PrintAdaptiveSizePolicy"
        JAVA_OPT="${JAVA_OPT} -XX:+UseGCLogFileRotation -XX:NumberOfGCLogFiles=5 -XX:GCLogFileSize=30m"
    else
        JAVA_OPT="${JAVA_OPT} -XX:+UseG1GC -XX:G1HeapRegionSize=16m -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30 -XX:SoftRefLRUPolicyMSPerMB=0"
        JAVA_OPT="${JAVA_OPT} -Xlog:gc*:file=${GC_LOG_DIR}/rmq_srv_gc_%p_%t.log:time,tags:filecount=5,filesize=30M"
        @@JDK9_MODULE_OPTIONS@@
    fi
}

choose_gc_log_directory
JAVA_OPT="${JAVA_OPT} -server -Xms8g -Xmx8g"
choose_gc_options
JAVA_OPT="${JAVA_OPT} -XX:-OmitStackTraceInFastThrow"
JAVA_OPT="${JAVA_OPT} -XX:+AlwaysPreTouch"
JAVA_OPT="${JAVA_OPT} -XX:MaxDirectMemorySize=15g"
JAVA_OPT="${JAVA_OPT} -XX:-UseLargePages -XX:-UseBiasedLocking"
JAVA_OPT="${JAVA_OPT} -XX:+IgnoreUnrecognizedVMOptions"
JAVA_OPT="${JAVA_OPT} ${JAVA_OPT_EXT}"
JAVA_OPT="${JAVA_OPT} -cp ${CLASSPATH}"

# Interleave memory across NUMA nodes when numactl works here (RMQ_NUMA_NODE pins one node).
numa_ok=false
if command -v numactl >/dev/null 2>&1 && numactl --interleave=all pwd >/dev/null 2>&1; then
    numa_ok=true
fi
if [ "$numa_ok" = true ] && [ -n "$RMQ_NUMA_NODE" ]; then
    numactl --cpunodebind="$RMQ_NUMA_NODE" --membind="$RMQ_NUMA_NODE" "$JAVA" ${JAVA_OPT} "$@"
elif [ "$numa_ok" = true ]; then
    numactl --interleave=all "$JAVA" ${JAVA_OPT} "$@"
else
    "$JAVA" ${JAVA_OPT} "$@"
fi
