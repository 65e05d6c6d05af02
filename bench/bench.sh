#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/bench.sh: "make bench".  Boots the test VM, runs bench/run.sh in it
# (fio on the raw file, stock loop and loopx, then attach+detach rates and
# the memory per device), boots it again with 8 CPUs for the memory rows
# alone, and turns the results into build/bench/{table.md,results.csv,
# results.json,chart.png} with bench/report.py.  See bench/README.md.
#
# BENCH_* variables in the environment reach the guest (see bench/run.sh).
# Exit status: the VM runner's (0 when the bench ran and the kernel log is
# clean), whatever PASS/MISS the targets show.
set -eu

PY=/usr/bin/python3	# Debian's, where apt puts matplotlib (not pyenv's)

# The chart needs matplotlib; the table does not, so a failed install only
# costs the PNG.
ensure_matplotlib() {
	"$PY" -c 'import matplotlib' 2>/dev/null && return 0
	echo "bench: installing python3-matplotlib for the chart"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends python3-matplotlib >/dev/null; then
		echo "bench: no matplotlib, the chart will be skipped" >&2
	fi
}

host_info() {
	echo "host.model=$(lscpu | sed -n 's/^Model name: *//p' | head -n1)"
	echo "host.nproc=$(nproc)"
	echo "host.mem_kib=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)"
	echo "host.kernel=$(uname -r)"
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "git=$(git describe --always --dirty 2>/dev/null || echo unknown)"
	# Other VMs on this host skew the numbers: say how busy it was.
	echo "host.loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "host.other_qemus=$(pgrep -c qemu-system || true)"
}

main() {
	local repo stamp out run rc=0 start t
	local -a envs=()

	repo=$(cd "$(dirname "$0")/.." && pwd)
	cd "$repo"
	if [ ! -f kernel/loopx.ko ] || [ ! -x cli/loopx ]; then
		echo "bench: run make all first" >&2
		exit 1
	fi
	mkdir -p build/bench
	gcc -O2 -Wall -Wextra -Werror -o build/bench/attach-cycle \
		bench/attach-cycle.c
	gcc -O2 -Wall -Wextra -Werror -o build/bench/mem-devices \
		bench/mem-devices.c
	ensure_matplotlib

	# The guest writes into the runner's share; the run is then moved
	# next to the other results.
	stamp=$(date +%Y%m%d-%H%M%S)
	out=build/vm/out/bench-$stamp
	run=build/bench/runs/$stamp
	mkdir -p "$out" build/bench/runs
	host_info >"$out/host.env"

	for t in RUNTIME RAMP CYCLES CLI_CYCLES ROUNDS JOBS TARGETS \
		 MEM_DEVICES CGROUP; do
		t=BENCH_$t
		[ -n "${!t:-}" ] && envs+=("$t=${!t}")
	done
	start=$(date +%s)
	tests/vm/run-in-vm.sh --mem 4G --timeout 3000 \
		--log "build/bench/vm-$stamp.log" -- \
		env "${envs[@]}" bench/run.sh "$out" || rc=$?
	echo "bench: VM done in $(($(date +%s) - start))s, status $rc"
	# the memory rows again with 8 CPUs: both drivers' software queues
	# are per CPU, and so are a bound loopx device's hardware queues, up to 2
	start=$(date +%s)
	tests/vm/run-in-vm.sh --mem 4G --smp 8 --timeout 1800 \
		--log "build/bench/vm-$stamp-smp8.log" -- \
		env "${envs[@]}" BENCH_MEMORY_ONLY=1 bench/run.sh "$out" ||
		rc=$?
	echo "bench: 8-CPU VM done in $(($(date +%s) - start))s, status $rc"

	mv -T "$out" "$run"
	ln -sfn "runs/$stamp" build/bench/latest
	mv "build/bench/vm-$stamp.log" "$run/vm.log"
	mv "build/bench/vm-$stamp-smp8.log" "$run/vm-smp8.log" 2>/dev/null || true
	if [ -f "$run/attach.txt" ]; then
		"$PY" bench/report.py "$run" build/bench
	else
		echo "bench: the guest did not finish, no report" >&2
		[ "$rc" -ne 0 ] || rc=1
	fi
	return "$rc"
}

# One line: bash has read all of it before main runs, so editing this file
# during a run cannot make bash read a half-old line after main returns.
main "$@"; exit
