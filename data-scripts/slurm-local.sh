#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for testing `backsplit sweep submit --slurm`:
#   data-scripts/slurm-local.sh start    start munged, slurmctld and slurmd (as root)
#   data-scripts/slurm-local.sh stop     stop the daemons this script started
#   data-scripts/slurm-local.sh status   say what runs; exit 0 when the cluster answers
# Needs Debian's packages (`apt-get install slurm-wlm munge`; .ci/run installs them) and root.
# No systemd: the daemons are started directly. No cgroups: processes are tracked through /proc
# (proctrack/linuxproc) and not confined (task/none). The node gets this machine's cores and
# 80% of its memory. Everything lives in $BACKSPLIT_SLURM_DIR (default /tmp/backsplit-slurm);
# clients find the cluster through SLURM_CONF=$BACKSPLIT_SLURM_DIR/slurm.conf, which `start`
# prints — /etc/slurm is left alone.
set -euo pipefail

DIR="${BACKSPLIT_SLURM_DIR:-/tmp/backsplit-slurm}"
CONF="$DIR/slurm.conf"
MUNGE_SOCKET_DIR=/run/munge

die() { echo "slurm-local: $*" >&2; exit 1; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

status() {
  local ok=0
  for d in munged slurmctld slurmd; do
    if pid_alive "$DIR/$d.pid"; then echo "$d: running (pid $(cat "$DIR/$d.pid"))"; else echo "$d: not running"; ok=1; fi
  done
  if [ $ok -eq 0 ] && SLURM_CONF="$CONF" sinfo -h -o '%P %a %D %T %c' 2>/dev/null | sed 's/^/sinfo: /'; then
    echo "export SLURM_CONF=$CONF"
    return 0
  fi
  return 1
}

start() {
  [ "$(id -u)" -eq 0 ] || die "start needs root (the daemons run as root on this test node)"
  for b in munged slurmctld slurmd sbatch; do
    command -v "$b" >/dev/null || die "'$b' not found: install Debian's packages: apt-get install -y slurm-wlm munge"
  done
  if status >/dev/null 2>&1; then echo "slurm-local: already running"; status; return 0; fi
  mkdir -p "$DIR"/{state,spool,log}
  local host cpus mem_mb
  host="$(hostname -s)"
  cpus="$(nproc)"
  mem_mb="$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.8}' /proc/meminfo)"

  # munge: the key the package made, or a fresh one
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chown munge:munge /etc/munge/munge.key 2>/dev/null || true
    chmod 400 /etc/munge/munge.key
  fi
  mkdir -p "$MUNGE_SOCKET_DIR" /var/log/munge /var/lib/munge
  chown munge:munge "$MUNGE_SOCKET_DIR" /var/log/munge /var/lib/munge 2>/dev/null || true
  if ! pid_alive "$DIR/munged.pid"; then
    if [ -S "$MUNGE_SOCKET_DIR/munge.socket.2" ] && munge -n >/dev/null 2>&1; then
      echo "slurm-local: using the munged already running"
    else
      rm -f "$MUNGE_SOCKET_DIR/munged.pid"
      runuser -u munge -- munged 2>"$DIR/log/munged.err" || die "munged did not start: $(cat "$DIR/log/munged.err")"
      for _ in $(seq 1 50); do [ -s "$MUNGE_SOCKET_DIR/munged.pid" ] && break; sleep 0.1; done
      cp "$MUNGE_SOCKET_DIR/munged.pid" "$DIR/munged.pid"
    fi
  fi
  munge -n | unmunge >/dev/null || die "munge does not work (see $DIR/log/munged.err)"

  cat >"$CONF" <<EOF
# written by data-scripts/slurm-local.sh for $host ($cpus cores, ${mem_mb} MB for jobs)
ClusterName=backsplit-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldPort=${BACKSPLIT_SLURMCTLD_PORT:-6817}
SlurmdPort=${BACKSPLIT_SLURMD_PORT:-6818}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=3600
KillWait=5
SlurmdTimeout=60
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$CONF"
  slurmctld -i -f "$CONF" || die "slurmctld did not start; see $DIR/log/slurmctld.log"
  slurmd -f "$CONF" || die "slurmd did not start; see $DIR/log/slurmd.log"
  for _ in $(seq 1 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      echo "slurm-local: up ($host, $cpus cores, ${mem_mb} MB); clients need:"
      echo "export SLURM_CONF=$CONF"
      return 0
    fi
    sleep 0.5
  done
  die "the node did not come up within 30 s: $(sinfo -h 2>&1 | head -3); logs in $DIR/log"
}

stop() {
  local any=0
  for d in slurmd slurmctld munged; do
    if pid_alive "$DIR/$d.pid"; then
      kill "$(cat "$DIR/$d.pid")" && any=1
      for _ in $(seq 1 50); do pid_alive "$DIR/$d.pid" || break; sleep 0.1; done
      if pid_alive "$DIR/$d.pid"; then kill -9 "$(cat "$DIR/$d.pid")" 2>/dev/null || true; fi
      echo "slurm-local: stopped $d"
    fi
    rm -f "$DIR/$d.pid"
  done
  [ $any -eq 1 ] || echo "slurm-local: nothing of ours was running"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
