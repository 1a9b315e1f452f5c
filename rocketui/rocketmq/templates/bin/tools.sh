#!/bin/sh
# Runs any class of the distribution (examples, mqadmin) with a 1g heap, like the official
# tools.sh.  It does not read JAVA_OPT_EXT; JAVA_OPT is prepended.
@@JAVA_HOME@@

JAVA_OPT="${JAVA_OPT} -server -Xms1g -Xmx1g -Xmn256m -XX:MetaspaceSize=128m -XX:MaxMetaspaceSize=128m"
JAVA_OPT="${JAVA_OPT} -cp ${CLASSPATH}"

"$JAVA" ${JAVA_OPT} "$@"
