# --- shared by the launchers (inlined by rocketui install) ---
error_exit() {
    echo "ERROR: $1 !!"
    exit 1
}

# A preset JAVA_HOME wins (as in RocketMQ 5.5.0+); otherwise derive it from java/javac on PATH.
find_java_home() {
    case "$(uname)" in
        Darwin)
            [ -z "$JAVA_HOME" ] && JAVA_HOME=$(/usr/libexec/java_home 2>/dev/null)
            ;;
        *)
            if [ -z "$JAVA_HOME" ]; then
                JAVA_PATH=$(command -v javac 2>/dev/null || command -v java 2>/dev/null)
                [ -n "$JAVA_PATH" ] && JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$JAVA_PATH")")")
            fi
            ;;
    esac
}

find_java_home
[ ! -e "$JAVA_HOME/bin/java" ] && JAVA_HOME=$HOME/jdk/java
[ ! -e "$JAVA_HOME/bin/java" ] && JAVA_HOME=/usr/java
[ ! -e "$JAVA_HOME/bin/java" ] && error_exit "Please set the JAVA_HOME variable in your environment, We need java(x64)!"

export JAVA_HOME
export JAVA="$JAVA_HOME/bin/java"
export BASE_DIR=$(dirname "$0")/..
export CLASSPATH=.:${BASE_DIR}/conf:${BASE_DIR}/lib/*:${CLASSPATH}

choose_gc_log_directory() {
    case "$(uname)" in
        Darwin)
            GC_LOG_DIR=${BASE_DIR}
            ;;
        *)
            # tmpfs keeps GC logging off the disk the store uses
            if [ -d "/dev/shm" ]; then
                GC_LOG_DIR=/dev/shm
            else
                GC_LOG_DIR=${BASE_DIR}
            fi
            ;;
    esac
}
# --- end shared ---
