# --- ROCKETMQ_HOME: preset, else the directory above this script's real location ---
if [ -z "$ROCKETMQ_HOME" ]; then
    PRG="$0"
    while [ -h "$PRG" ]; do
        link=$(readlink "$PRG")
        case "$link" in
            /*) PRG="$link" ;;
            *) PRG="$(dirname "$PRG")/$link" ;;
        esac
    done
    ROCKETMQ_HOME=$(cd "$(dirname "$PRG")/.." && pwd)
fi
export ROCKETMQ_HOME
# --- end ---
