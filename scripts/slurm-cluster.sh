#!/usr/bin/env bash
# Starts (or stops) a one-node SLURM cluster on this machine for the checks of scripts/slurm.sbatch: Debian's slurm-wlm
# and munge, daemons started by hand as root (no systemd), configuration and state under one directory.
# Usage: source scripts/slurm-cluster.sh; slurm_start DIR; ...; slurm_stop
# After slurm_start, SLURM_CONF points at DIR/slurm.conf for the commands (sbatch, squeue, scontrol, sacct).
slurm_install() {
  if command -v slurmctld >/dev/null 2>&1 && command -v munged >/dev/null 2>&1; then return 0; fi
  [ "$(id -u)" = 0 ] || { echo "the SLURM check needs root to install and start slurm-wlm and munge" >&2; return 6; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
}

slurm_start() {
  local dir="$1" host
  host="$(hostname -s)"
  slurm_install || return $?
  mkdir -p "$dir/state" "$dir/spool" "$dir/log" /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  fi
  chown munge:munge /run/munge
  if ! pgrep -x munged >/dev/null; then runuser -u munge -- munged || return 1; fi
  local memory; memory=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
  cat > "$dir/slurm.conf" <<CONF
ClusterName=mpidescent-check
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
JobRequeue=1
KillWait=5
MinJobAge=600
InactiveLimit=0
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -D -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
  echo $! > "$dir/slurmctld.run"
  slurmd -D -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 &
  echo $! > "$dir/slurmd.run"
  SLURM_DIR="$dir"
  for _ in $(seq 60); do
    sinfo -h -o '%T' 2>/dev/null | grep -q '^idle' && return 0
    sleep 1
  done
  echo "SLURM did not come up; logs in $dir/log" >&2
  return 1
}

slurm_stop() {
  [ -n "${SLURM_DIR:-}" ] || return 0
  scancel --full -u root >/dev/null 2>&1 || true
  for daemon in slurmd slurmctld; do
    [ -f "$SLURM_DIR/$daemon.run" ] && kill "$(cat "$SLURM_DIR/$daemon.run")" 2>/dev/null
  done
  wait 2>/dev/null
  SLURM_DIR=""
}
