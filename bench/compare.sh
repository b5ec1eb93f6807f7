#!/usr/bin/env bash
# bench/compare.sh: apiload's out-of-process generator side by side with wrk,
# hey and vegeta, on one loopback target, in the same run.
#
# It installs what is missing (wrk and hey from Debian's packages, vegeta
# with `go install` into a temporary GOBIN), builds bench/target and
# bench/loadgen, pins the target to one CPU and every generator to another
# with taskset, and runs each tool ROUNDS times, interleaved, with the same
# number of connections. It prints one table of medians: req/s, p50, p99 and
# the generator's CPU per request (user + system time from /usr/bin/time,
# divided by the requests it sent), with ratios to wrk and to vegeta; then
# the latency each tool reports for a handler that sleeps 10 ms.
#
# Loopback only, bounded in time: about ROUNDS × (5 × DURATION + 4 ×
# SLEEP_DURATION) seconds plus the builds, under 3 minutes by default.
#
#   bash bench/compare.sh                  # 3 rounds, 5 s per trivial run
#   ROUNDS=6 bash bench/compare.sh         # the issue's 6 rounds
#   RESULTS=/tmp/runs.tsv bash bench/compare.sh   # also keep every run's row
#
# Environment: ROUNDS (3), DURATION (5, seconds), SLEEP_DURATION (3),
# CONNS (10), SERVER_CPU (1), GEN_CPU (0), RESULTS (unset).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
SLEEP_DURATION=${SLEEP_DURATION:-3}
CONNS=${CONNS:-10}
SERVER_CPU=${SERVER_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
VEGETA_VERSION=v12.13.0

for v in ROUNDS DURATION SLEEP_DURATION CONNS SERVER_CPU GEN_CPU; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || { [[ $v != *CPU ]] && ((${!v} == 0)); }; then
		echo "compare.sh: $v=${!v}: want a positive integer" >&2
		exit 2
	fi
done
if ((DURATION > 60 || SLEEP_DURATION > 60 || ROUNDS > 20)); then
	echo "compare.sh: DURATION and SLEEP_DURATION are capped at 60 s, ROUNDS at 20" >&2
	exit 2
fi

work=$(mktemp -d)
target_pid=
cleanup() {
	if [[ -n $target_pid ]]; then
		kill "$target_pid" 2>/dev/null || true
		wait "$target_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# --- tools -------------------------------------------------------------------
apt_missing=()
command -v wrk >/dev/null || apt_missing+=(wrk)
command -v hey >/dev/null || apt_missing+=(hey)
command -v taskset >/dev/null || apt_missing+=(util-linux)
[[ -x /usr/bin/time ]] || apt_missing+=(time)
if ((${#apt_missing[@]} > 0)); then
	echo "compare.sh: installing ${apt_missing[*]} with apt-get" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi
vegeta=$(command -v vegeta || true)
if [[ -z $vegeta ]]; then
	echo "compare.sh: installing vegeta $VEGETA_VERSION with go install" >&2
	GOBIN="$work/bin" go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
	vegeta="$work/bin/vegeta"
fi
go build -o "$work/target" ./bench/target
go build -o "$work/loadgen" ./bench/loadgen

# --- target ------------------------------------------------------------------
taskset -c "$SERVER_CPU" "$work/target" -addr 127.0.0.1:0 >"$work/target.out" 2>&1 &
target_pid=$!
for _ in $(seq 100); do
	[[ -s $work/target.out ]] && break
	sleep 0.05
done
base=$(head -n1 "$work/target.out")
if [[ $base != http://127.0.0.1:* ]]; then
	echo "compare.sh: target did not start: $(cat "$work/target.out")" >&2
	exit 1
fi
trivial="$base/"
slow="$base/sleep?ms=10"

gen() { taskset -c "$GEN_CPU" /usr/bin/time -f '%U %S' -o "$work/time" "$@"; }
cpu_us_per_req() { # requests -> µs of generator CPU per request
	awk -v n="$1" '{ if (n > 0) printf "%.2f", ($1 + $2) * 1e6 / n; else print "nan" }' "$work/time"
}
to_ms() { # "112.00us" / "1.20ms" / "2.00s" -> milliseconds
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.4f", v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.4f", v }
		else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.4f", v * 1000 }
		else print "nan" }'
}
jnum() { grep -o "\"$1\":[0-9.e+-]*" "$2" | head -n1 | cut -d: -f2; }

# run TOOL URL SECONDS: prints "req/s p50_ms p99_ms cpu_us_per_req errors"
run() {
	local tool=$1 url=$2 secs=$3 out="$work/out"
	case $tool in
	wrk)
		gen wrk -t1 -c"$CONNS" -d"${secs}s" --latency "$url" >"$out"
		local n rps p50 p99 errs
		n=$(awk '/requests in/ {print $1}' "$out")
		rps=$(awk '/^Requests\/sec/ {print $2}' "$out")
		p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
		p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
		errs=$(awk '/Non-2xx|Socket errors/ {e++} END {print e + 0}' "$out")
		echo "$rps $p50 $p99 $(cpu_us_per_req "$n") $errs"
		;;
	hey)
		gen hey -z "${secs}s" -c "$CONNS" "$url" >"$out"
		local n rps p50 p99 ok
		n=$(awk '/responses$/ {s += $2} END {print s + 0}' "$out")
		ok=$(awk '$1 == "[200]" {print $2}' "$out")
		rps=$(awk '/Requests\/sec:/ {print $2}' "$out")
		p50=$(awk '$1 == "50%" {printf "%.4f", $3 * 1000}' "$out")
		p99=$(awk '$1 == "99%" {printf "%.4f", $3 * 1000}' "$out")
		echo "$rps $p50 $p99 $(cpu_us_per_req "$n") $((n - ${ok:-0}))"
		;;
	vegeta)
		echo "GET $url" >"$work/targets"
		gen "$vegeta" attack -targets="$work/targets" -rate=0 -workers="$CONNS" -max-workers="$CONNS" \
			-connections="$CONNS" -duration="${secs}s" -output="$work/vegeta.bin"
		"$vegeta" report -type=json "$work/vegeta.bin" >"$out"
		local n rps p50 p99 ok
		n=$(jnum requests "$out")
		rps=$(jnum rate "$out")
		p50=$(awk -v v="$(jnum 50th "$out")" 'BEGIN {printf "%.4f", v / 1e6}')
		p99=$(awk -v v="$(jnum 99th "$out")" 'BEGIN {printf "%.4f", v / 1e6}')
		ok=$(grep -o '"200":[0-9]*' "$out" | cut -d: -f2)
		echo "$rps $p50 $p99 $(cpu_us_per_req "$n") $((n - ${ok:-0}))"
		;;
	apiload | apiload-nethttp)
		local client=lean
		[[ $tool == apiload-nethttp ]] && client=nethttp
		gen "$work/loadgen" -client "$client" -c "$CONNS" -d "${secs}s" -url "$url" >"$out"
		local n
		n=$(jnum requests "$out")
		echo "$(jnum req_per_s "$out") $(jnum p50_ms "$out") $(jnum p99_ms "$out") $(cpu_us_per_req "$n") $(jnum failed "$out")"
		;;
	esac
}

trivial_tools=(wrk hey vegeta apiload apiload-nethttp)
sleep_tools=(wrk hey vegeta apiload)
rows="$work/runs.tsv"
printf 'kind\ttool\tround\treq_per_s\tp50_ms\tp99_ms\tcpu_us_per_req\terrors\n' >"$rows"
echo "compare.sh: target $base on CPU $SERVER_CPU, generators on CPU $GEN_CPU, $CONNS connections," \
	"$ROUNDS rounds of ${DURATION}s (trivial) and ${SLEEP_DURATION}s (10 ms handler)" >&2
for ((r = 0; r < ROUNDS; r++)); do
	# Rotate the order each round so no tool always runs first or last.
	for ((i = 0; i < ${#trivial_tools[@]}; i++)); do
		t=${trivial_tools[$(((i + r) % ${#trivial_tools[@]}))]}
		read -r rps p50 p99 cpu errs < <(run "$t" "$trivial" "$DURATION")
		printf 'trivial\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n' "$t" "$r" "$rps" "$p50" "$p99" "$cpu" "$errs" >>"$rows"
		echo "  round $((r + 1)) trivial $t: $rps req/s, p50 $p50 ms, p99 $p99 ms, $cpu µs CPU/req, errors $errs" >&2
	done
	for ((i = 0; i < ${#sleep_tools[@]}; i++)); do
		t=${sleep_tools[$(((i + r) % ${#sleep_tools[@]}))]}
		read -r rps p50 p99 cpu errs < <(run "$t" "$slow" "$SLEEP_DURATION")
		printf 'sleep10ms\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n' "$t" "$r" "$rps" "$p50" "$p99" "$cpu" "$errs" >>"$rows"
		echo "  round $((r + 1)) sleep $t: p50 $p50 ms, p99 $p99 ms" >&2
	done
done
[[ -n ${RESULTS:-} ]] && cp "$rows" "$RESULTS"

# --- table -------------------------------------------------------------------
awk -F'\t' -v rounds="$ROUNDS" -v conns="$CONNS" '
function median(key,   n, i, j, t, a) {
	n = split(vals[key], a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(key, v) { vals[key] = (key in vals) ? vals[key] " " v : v }
NR > 1 {
	if (!(($1, $2) in seen)) { seen[$1, $2] = 1; order[$1] = order[$1] " " $2 }
	add($1 SUBSEP $2 SUBSEP "rps", $4); add($1 SUBSEP $2 SUBSEP "p50", $5)
	add($1 SUBSEP $2 SUBSEP "p99", $6); add($1 SUBSEP $2 SUBSEP "cpu", $7)
	errs[$1, $2] += $8
	p50s[$1, $2, $3] = $5; p99s[$1, $2, $3] = $6; rounds_of[$1] = ($3 + 1 > rounds_of[$1]) ? $3 + 1 : rounds_of[$1]
}
# paired(kind, tool, arr): median over rounds of (tool - wrk) in the same round.
function paired(kind, tool, which,   r, key) {
	key = "paired" SUBSEP kind SUBSEP tool SUBSEP which
	for (r = 0; r < rounds_of[kind]; r++)
		add(key, which == "p50" ? p50s[kind, tool, r] - p50s[kind, "wrk", r] : p99s[kind, tool, r] - p99s[kind, "wrk", r])
	return median(key)
}
function ratio(a, b) { return (b > 0) ? sprintf("%.2fx", a / b) : "-" }
END {
	split(substr(order["trivial"], 2), tools, " ")
	for (i in tools) { t = tools[i]; rps[t] = median("trivial" SUBSEP t SUBSEP "rps"); cpu[t] = median("trivial" SUBSEP t SUBSEP "cpu") }
	printf "GET of a trivial handler, %d connections, medians of %d rounds\n\n", conns, rounds
	printf "| generator | req/s | p50 | p99 | CPU/request | req/s vs wrk | req/s vs vegeta | CPU/req vs wrk | CPU/req vs vegeta | errors |\n"
	printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
	for (i = 1; i in tools; i++) {
		t = tools[i]
		printf "| %s | %.0f | %.3f ms | %.3f ms | %.2f µs | %s | %s | %s | %s | %d |\n", t, rps[t],
			median("trivial" SUBSEP t SUBSEP "p50"), median("trivial" SUBSEP t SUBSEP "p99"), cpu[t],
			ratio(rps[t], rps["wrk"]), ratio(rps[t], rps["vegeta"]), ratio(cpu[t], cpu["wrk"]), ratio(cpu[t], cpu["vegeta"]),
			errs["trivial", t]
	}
	split(substr(order["sleep10ms"], 2), tools, " ")
	w50 = median("sleep10ms" SUBSEP "wrk" SUBSEP "p50"); w99 = median("sleep10ms" SUBSEP "wrk" SUBSEP "p99")
	printf "\nGET /sleep?ms=10 (latency accuracy), %d connections, medians of %d rounds\n\n", conns, rounds
	printf "(paired: the median over rounds of the tool minus wrk in the same round)\n\n"
	printf "| generator | p50 | p99 | p50 - wrk p50 | p99 - wrk p99 | paired p50 - wrk | paired p99 - wrk | errors |\n"
	printf "|---|---:|---:|---:|---:|---:|---:|---:|\n"
	for (i = 1; i in tools; i++) {
		t = tools[i]; p50 = median("sleep10ms" SUBSEP t SUBSEP "p50"); p99 = median("sleep10ms" SUBSEP t SUBSEP "p99")
		printf "| %s | %.3f ms | %.3f ms | %+.3f ms | %+.3f ms | %+.3f ms | %+.3f ms | %d |\n", t, p50, p99, p50 - w50, p99 - w99,
			paired("sleep10ms", t, "p50"), paired("sleep10ms", t, "p99"), errs["sleep10ms", t]
	}
}' "$rows"
