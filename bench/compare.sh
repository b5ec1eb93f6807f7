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
# The https suite starts a second target with -tls (a throwaway self-signed
# certificate, which apiload trusts with --ca-cert) and compares, on the
# trivial handler: `loadreport run --ca-cert` (HTTP/1.1, CONNS connections:
# the lean client over crypto/tls; apiload-https-nethttp is the same with
# --client net/http) with `wrk https://` at the same connections, and
# `loadreport run --http2`
# (CONNS streams on one connection: net/http's HTTP/2 client multiplexes the
# clients over a single connection) with `h2load -c1 -m CONNS`, one
# connection with at most CONNS streams in flight. h2load (Debian's
# nghttp2-client) prints no percentiles, so that table shows mean latency
# for every tool as well.
#
# The 10 ms handler's table is followed by apiload's p50 and p99 against
# wrk's round by round, and in how many rounds they met issue 13's goal.
#
# The open suite compares the open model (a paced rate, latency counted
# from each request's scheduled time) with the closed model on the trivial
# handler: `loadgen -rate OPEN_RATE` against loadgen as fast as possible
# (the issue's goal: open at most 1.5x the closed model's CPU per request)
# and against wrk, as fast as possible. wrk2, wrk's open-model fork, is not
# packaged by Debian; wrk's CPU per request is what wrk2's is at best (the
# same event loop plus a timer per connection), so wrk is a floor, not a
# peer. vegeta at -rate OPEN_RATE is the open-model peer, with the same
# CONNS workers as a cap. The table shows send lag (apiload only: how late
# requests left their schedule) and the achieved rate's error.
#
# Loopback only, bounded in time: about ROUNDS × (10 × DURATION + 4 ×
# SLEEP_DURATION) seconds plus the builds, under 4 minutes by default; the
# open suite adds ROUNDS × 4 × DURATION.
#
#   bash bench/compare.sh                  # 3 rounds, 5 s per trivial run
#   ROUNDS=6 bash bench/compare.sh         # the issue's 6 rounds
#   SUITES=https bash bench/compare.sh     # only HTTPS and HTTP/2
#   SUITES=open bash bench/compare.sh      # only the open model (--rate)
#   RESULTS=/tmp/runs.tsv bash bench/compare.sh   # also keep every run's row
#
# Environment: ROUNDS (3), DURATION (5, seconds), SLEEP_DURATION (3),
# CONNS (10), SERVER_CPU (1), GEN_CPU (0), SUITES ("plain https": plain
# http against wrk, hey and vegeta; https and HTTP/2 against wrk and
# h2load; open: the open model, see above), OPEN_RATE (20000, requests/s),
# RESULTS (unset).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
SLEEP_DURATION=${SLEEP_DURATION:-3}
CONNS=${CONNS:-10}
SERVER_CPU=${SERVER_CPU:-1}
GEN_CPU=${GEN_CPU:-0}
SUITES=${SUITES:-plain https open}
OPEN_RATE=${OPEN_RATE:-20000}
VEGETA_VERSION=v12.13.0

for v in ROUNDS DURATION SLEEP_DURATION CONNS SERVER_CPU GEN_CPU OPEN_RATE; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || { [[ $v != *CPU ]] && ((${!v} == 0)); }; then
		echo "compare.sh: $v=${!v}: want a positive integer" >&2
		exit 2
	fi
done
if ((DURATION > 60 || SLEEP_DURATION > 60 || ROUNDS > 20)); then
	echo "compare.sh: DURATION and SLEEP_DURATION are capped at 60 s, ROUNDS at 20" >&2
	exit 2
fi
plain=false https=false open=false
for s in $SUITES; do
	case $s in
	plain) plain=true ;;
	https) https=true ;;
	open) open=true ;;
	*)
		echo "compare.sh: SUITES=\"$SUITES\": unknown suite $s (want some of plain, https, open)" >&2
		exit 2
		;;
	esac
done
if ! $plain && ! $https && ! $open; then
	echo "compare.sh: SUITES is empty: want some of plain, https, open" >&2
	exit 2
fi

work=$(mktemp -d)
target_pid= tls_pid=
cleanup() {
	local pid
	for pid in $target_pid $tls_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# --- tools -------------------------------------------------------------------
apt_missing=()
command -v wrk >/dev/null || apt_missing+=(wrk)
$plain && { command -v hey >/dev/null || apt_missing+=(hey); }
$https && { command -v h2load >/dev/null || apt_missing+=(nghttp2-client); }
command -v taskset >/dev/null || apt_missing+=(util-linux)
[[ -x /usr/bin/time ]] || apt_missing+=(time)
if ((${#apt_missing[@]} > 0)); then
	echo "compare.sh: installing ${apt_missing[*]} with apt-get" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi
vegeta=$(command -v vegeta || true)
if { $plain || $open; } && [[ -z $vegeta ]]; then
	echo "compare.sh: installing vegeta $VEGETA_VERSION with go install" >&2
	GOBIN="$work/bin" go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"
	vegeta="$work/bin/vegeta"
fi
go build -o "$work/target" ./bench/target
go build -o "$work/loadgen" ./bench/loadgen
go build -o "$work/loadreport" ./cmd/loadreport

# --- targets -----------------------------------------------------------------
# wait_for FILE LINES: until the target has printed LINES lines.
wait_for() {
	for _ in $(seq 100); do
		(($(wc -l <"$1") >= $2)) && return
		sleep 0.05
	done
}
taskset -c "$SERVER_CPU" "$work/target" -addr 127.0.0.1:0 >"$work/target.out" 2>&1 &
target_pid=$!
wait_for "$work/target.out" 1
base=$(head -n1 "$work/target.out")
if [[ $base != http://127.0.0.1:* ]]; then
	echo "compare.sh: target did not start: $(cat "$work/target.out")" >&2
	exit 1
fi
trivial="$base/"
slow="$base/sleep?ms=10"
if $https; then
	mkdir "$work/tls"
	taskset -c "$SERVER_CPU" "$work/target" -addr 127.0.0.1:0 -tls -cert-dir "$work/tls" >"$work/tls.out" 2>&1 &
	tls_pid=$!
	wait_for "$work/tls.out" 2
	tls_base=$(head -n1 "$work/tls.out")
	ca_cert=$(sed -n 2p "$work/tls.out")
	if [[ $tls_base != https://127.0.0.1:* || ! -s $ca_cert ]]; then
		echo "compare.sh: TLS target did not start: $(cat "$work/tls.out")" >&2
		exit 1
	fi
	tls_trivial="$tls_base/"
fi

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
# metric KEY FILE: the first number named KEY inside "metrics" of a
# `loadreport run --json` result.
metric() { sed -n '/"metrics": {/,$p' "$2" | grep -o "\"$1\": *[0-9.e+-]*" | head -n1 | sed 's/.*: *//'; }

# run TOOL URL SECONDS: prints "req/s p50_ms p99_ms cpu_us_per_req errors
# mean_ms" (h2load has no percentiles: "-" for p50 and p99)
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
		echo "$rps $p50 $p99 $(cpu_us_per_req "$n") $errs $(to_ms "$(awk '$1 == "Latency" {print $2; exit}' "$out")")"
		;;
	h2load)
		# One connection, at most CONNS streams in flight, one thread.
		gen h2load -t1 -c1 -m"$CONNS" -D "$secs" "$url" >"$out"
		local n rps errs mean
		n=$(awk '/^requests:/ {print $6}' "$out")
		rps=$(awk '/^finished in/ {print $4}' "$out")
		errs=$(awk '/^requests:/ {e += $10 + $12 + $14} /^status codes:/ {e += $7 + $9} END {print e + 0}' "$out")
		mean=$(to_ms "$(awk '/^time for request:/ {print $6}' "$out")")
		if ! grep -q '^Application protocol: h2' "$out"; then
			echo "compare.sh: h2load did not speak h2: $(cat "$out")" >&2
			exit 1
		fi
		echo "$rps - - $(cpu_us_per_req "$n") $errs $mean"
		;;
	apiload-https | apiload-https-nethttp | apiload-h2)
		local proto=HTTP/1.1 extra=()
		[[ $tool == apiload-h2 ]] && proto=HTTP/2.0 extra=(--http2)
		[[ $tool == apiload-https-nethttp ]] && extra=(--client net/http)
		gen "$work/loadreport" run "$url" --ca-cert "$ca_cert" "${extra[@]}" -c "$CONNS" --duration "${secs}s" \
			--store none --json >"$out"
		if ! grep -q "\"protocol\": \"$proto\"" "$out"; then
			echo "compare.sh: $tool did not speak $proto: $(head -c 600 "$out")" >&2
			exit 1
		fi
		local n
		n=$(metric requests "$out")
		echo "$(metric request_rate "$out") $(metric p50_ms "$out") $(metric p99_ms "$out") $(cpu_us_per_req "$n")" \
			"$(metric failed "$out") $(metric mean_ms "$out")"
		;;
	hey)
		gen hey -z "${secs}s" -c "$CONNS" "$url" >"$out"
		local n rps p50 p99 ok
		n=$(awk '/responses$/ {s += $2} END {print s + 0}' "$out")
		ok=$(awk '$1 == "[200]" {print $2}' "$out")
		rps=$(awk '/Requests\/sec:/ {print $2}' "$out")
		p50=$(awk '$1 == "50%" {printf "%.4f", $3 * 1000}' "$out")
		p99=$(awk '$1 == "99%" {printf "%.4f", $3 * 1000}' "$out")
		echo "$rps $p50 $p99 $(cpu_us_per_req "$n") $((n - ${ok:-0})) -"
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
		echo "$rps $p50 $p99 $(cpu_us_per_req "$n") $((n - ${ok:-0})) -"
		;;
	apiload | apiload-nethttp)
		local client=lean
		[[ $tool == apiload-nethttp ]] && client=nethttp
		gen "$work/loadgen" -client "$client" -c "$CONNS" -d "${secs}s" -url "$url" >"$out"
		local n
		n=$(jnum requests "$out")
		echo "$(jnum req_per_s "$out") $(jnum p50_ms "$out") $(jnum p99_ms "$out") $(cpu_us_per_req "$n") $(jnum failed "$out") -"
		;;
	esac
}

# --- open model (SUITES=open) -------------------------------------------------
open_tools=(wrk apiload apiload-open vegeta-open)
open_rows="$work/open.tsv"
printf 'tool\tround\treq_per_s\tp50_ms\tp99_ms\tcpu_us_per_req\terrors\tlag_p99_ms\n' >"$open_rows"
# run_open TOOL URL SECONDS: prints "req/s p50_ms p99_ms cpu_us_per_req
# errors lag_p99_ms" ("-" where the tool does not measure send lag).
run_open() {
	local tool=$1 url=$2 secs=$3 out="$work/out"
	case $tool in
	apiload-open)
		gen "$work/loadgen" -c "$CONNS" -d "${secs}s" -rate "$OPEN_RATE" -url "$url" >"$out"
		local n
		n=$(jnum requests "$out")
		echo "$(jnum req_per_s "$out") $(jnum p50_ms "$out") $(jnum p99_ms "$out") $(cpu_us_per_req "$n") $(jnum failed "$out")" \
			"$(jnum lag_p99_ms "$out")"
		;;
	vegeta-open)
		echo "GET $url" >"$work/targets"
		gen "$vegeta" attack -targets="$work/targets" -rate="$OPEN_RATE" -workers="$CONNS" -max-workers="$CONNS" \
			-connections="$CONNS" -duration="${secs}s" -output="$work/vegeta.bin"
		"$vegeta" report -type=json "$work/vegeta.bin" >"$out"
		local n p50 p99 ok
		n=$(jnum requests "$out")
		p50=$(awk -v v="$(jnum 50th "$out")" 'BEGIN {printf "%.4f", v / 1e6}')
		p99=$(awk -v v="$(jnum 99th "$out")" 'BEGIN {printf "%.4f", v / 1e6}')
		ok=$(grep -o '"200":[0-9]*' "$out" | cut -d: -f2)
		echo "$(jnum rate "$out") $p50 $p99 $(cpu_us_per_req "$n") $((n - ${ok:-0})) -"
		;;
	*) # closed model, as fast as possible: run's row, no send lag
		local rps p50 p99 cpu errs mean
		read -r rps p50 p99 cpu errs mean < <(run "$tool" "$url" "$secs")
		echo "$rps $p50 $p99 $cpu $errs -"
		;;
	esac
}
# measure_open URL SECONDS ROUND: one run of each open-suite tool, the
# order rotated by ROUND.
measure_open() {
	local url=$1 secs=$2 r=$3 i t rps p50 p99 cpu errs lag
	for ((i = 0; i < ${#open_tools[@]}; i++)); do
		t=${open_tools[$(((i + r) % ${#open_tools[@]}))]}
		read -r rps p50 p99 cpu errs lag < <(run_open "$t" "$url" "$secs")
		printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$r" "$rps" "$p50" "$p99" "$cpu" "$errs" "$lag" >>"$open_rows"
		echo "  round $((r + 1)) open $t: $rps req/s, p50 $p50 ms, p99 $p99 ms, send lag p99 $lag ms, $cpu µs CPU/req, errors $errs" >&2
	done
}
# open_table: medians over rounds, and paired ratios (the median over
# rounds of the same-round ratio) of CPU per request to apiload's closed
# model and to wrk.
open_table() {
	[[ -n ${RESULTS:-} ]] && cp "$open_rows" "${RESULTS%.tsv}-open.tsv"
	awk -F'\t' -v rounds="$ROUNDS" -v conns="$CONNS" -v rate="$OPEN_RATE" '
	function median(s,   n, i, j, t, a) {
		n = split(s, a, " ")
		if (n == 0 || a[1] == "-") return "-"
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function add(k, v) { vals[k] = (k in vals) ? vals[k] " " v : v }
	function paired(t, anchor,   r, s) {
		s = ""
		for (r = 0; r < nr; r++) if (cpu[anchor, r] > 0) s = s (s == "" ? "" : " ") cpu[t, r] / cpu[anchor, r]
		return median(s)
	}
	NR > 1 {
		if (!($1 in seen)) { seen[$1] = 1; order[++ntools] = $1 }
		add($1 SUBSEP "rps", $3); add($1 SUBSEP "p50", $4); add($1 SUBSEP "p99", $5); add($1 SUBSEP "cpu", $6); add($1 SUBSEP "lag", $8)
		errs[$1] += $7; cpu[$1, $2] = $6; if ($2 + 1 > nr) nr = $2 + 1
	}
	END {
		printf "\nOpen model over loopback: GET of a trivial handler, %d connections, medians of %d rounds\n", conns, rounds
		printf "(paired: the median over rounds of the same-round ratio; rate error: req/s against %d)\n\n", rate
		printf "| generator | model | req/s | rate error | p50 | p99 | send lag p99 | CPU/request | paired CPU/req vs apiload closed | paired CPU/req vs wrk | errors |\n"
		printf "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
		for (i = 1; i <= ntools; i++) {
			t = order[i]; open = t ~ /-open$/; lag = median(vals[t SUBSEP "lag"]); rps = median(vals[t SUBSEP "rps"])
			printf "| %s | %s | %.0f | %s | %.3f ms | %.3f ms | %s | %.2f µs | %.2fx | %.2fx | %d |\n", t,
				open ? "open, " rate " req/s" : "closed", rps, open ? sprintf("%+.2f%%", 100 * (rps / rate - 1)) : "-",
				median(vals[t SUBSEP "p50"]), median(vals[t SUBSEP "p99"]), lag == "-" ? "-" : sprintf("%.3f ms", lag),
				median(vals[t SUBSEP "cpu"]), paired(t, "apiload"), paired(t, "wrk"), errs[t]
		}
	}' "$open_rows"
}

trivial_tools=(wrk hey vegeta apiload apiload-nethttp)
sleep_tools=(wrk hey vegeta apiload)
https_tools=(wrk apiload-https apiload-https-nethttp)
h2_tools=(h2load apiload-h2)
rows="$work/runs.tsv"
printf 'kind\ttool\tround\treq_per_s\tp50_ms\tp99_ms\tcpu_us_per_req\terrors\tmean_ms\n' >"$rows"
# measure KIND URL SECONDS ROUND TOOL...: one run of each tool, the order
# rotated by ROUND so no tool always runs first or last.
measure() {
	local kind=$1 url=$2 secs=$3 r=$4 i t rps p50 p99 cpu errs mean
	shift 4
	local tools=("$@")
	for ((i = 0; i < ${#tools[@]}; i++)); do
		t=${tools[$(((i + r) % ${#tools[@]}))]}
		read -r rps p50 p99 cpu errs mean < <(run "$t" "$url" "$secs")
		printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$t" "$r" "$rps" "$p50" "$p99" "$cpu" "$errs" "$mean" >>"$rows"
		echo "  round $((r + 1)) $kind $t: $rps req/s, p50 $p50 ms, p99 $p99 ms, mean $mean ms, $cpu µs CPU/req, errors $errs" >&2
	done
}
$plain && echo "compare.sh: target $base on CPU $SERVER_CPU, generators on CPU $GEN_CPU, $CONNS connections," \
	"$ROUNDS rounds of ${DURATION}s (trivial) and ${SLEEP_DURATION}s (10 ms handler)" >&2
$https && echo "compare.sh: TLS target $tls_base on CPU $SERVER_CPU, generators on CPU $GEN_CPU," \
	"$ROUNDS rounds of ${DURATION}s: HTTP/1.1 over $CONNS connections, HTTP/2 as $CONNS streams on 1" >&2
$open && echo "compare.sh: open model: target $base on CPU $SERVER_CPU, generators on CPU $GEN_CPU, $CONNS connections," \
	"$ROUNDS rounds of ${DURATION}s at $OPEN_RATE req/s (apiload, vegeta) and as fast as possible (apiload, wrk)" >&2
for ((r = 0; r < ROUNDS; r++)); do
	$open && measure_open "$trivial" "$DURATION" "$r"
	if $plain; then
		measure trivial "$trivial" "$DURATION" "$r" "${trivial_tools[@]}"
		measure sleep10ms "$slow" "$SLEEP_DURATION" "$r" "${sleep_tools[@]}"
	fi
	if $https; then
		measure https "$tls_trivial" "$DURATION" "$r" "${https_tools[@]}"
		measure h2 "$tls_trivial" "$DURATION" "$r" "${h2_tools[@]}"
	fi
done
[[ -n ${RESULTS:-} ]] && cp "$rows" "$RESULTS"
$open && open_table

# --- table -------------------------------------------------------------------
awk -F'\t' -v rounds="$ROUNDS" -v conns="$CONNS" '
function median(key,   n, i, j, t, a) {
	n = split(vals[key], a, " ")
	if (a[1] == "-") return "-" # not reported by this tool
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
	add($1 SUBSEP $2 SUBSEP "mean", $9); cpus[$1, $2, $3] = $7
}
# paired_ratio(kind, tool, anchor): median over rounds of tool CPU/request
# divided by anchor CPU/request in the same round.
function paired_ratio(kind, tool, anchor,   r, key) {
	key = "pairedratio" SUBSEP kind SUBSEP tool
	for (r = 0; r < rounds_of[kind]; r++)
		if (cpus[kind, anchor, r] > 0) add(key, cpus[kind, tool, r] / cpus[kind, anchor, r])
	return median(key)
}
function ms(v) { return v == "-" ? "-" : sprintf("%.3f ms", v) }
# paired(kind, tool, arr): median over rounds of (tool - wrk) in the same round.
function paired(kind, tool, which,   r, key) {
	key = "paired" SUBSEP kind SUBSEP tool SUBSEP which
	for (r = 0; r < rounds_of[kind]; r++)
		add(key, which == "p50" ? p50s[kind, tool, r] - p50s[kind, "wrk", r] : p99s[kind, tool, r] - p99s[kind, "wrk", r])
	return median(key)
}
function ratio(a, b) { return (b > 0) ? sprintf("%.2fx", a / b) : "-" }
END {
	if ("trivial" in order) plain_tables()
	if ("https" in order) tls_table()
}
function tls_table(   k, kinds, anchor, a, i, t, tools, rps, cpu, shape) {
	printf "\nHTTPS, GET of a trivial handler, medians of %d rounds: HTTP/1.1 over %d connections against wrk,\n", rounds, conns
	printf "HTTP/2 as %d streams on one connection against h2load (paired: median over rounds of the same-round ratio)\n\n", conns
	printf "| generator | protocol | connections × streams | req/s | mean | p50 | p99 | CPU/request | req/s vs anchor | CPU/req vs anchor | paired CPU/req vs anchor | errors |\n"
	printf "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
	split("https h2", kinds, " "); anchor["https"] = "wrk"; anchor["h2"] = "h2load"
	shape["https"] = conns " × 1"; shape["h2"] = "1 × " conns
	for (k = 1; k <= 2; k++) {
		split(substr(order[kinds[k]], 2), tools, " ")
		for (i in tools) { t = tools[i]; rps[t] = median(kinds[k] SUBSEP t SUBSEP "rps"); cpu[t] = median(kinds[k] SUBSEP t SUBSEP "cpu") }
		a = anchor[kinds[k]]
		for (i = 1; i in tools; i++) {
			t = tools[i]
			printf "| %s | %s | %s | %.0f | %s | %s | %s | %.2f µs | %s | %s | %.2fx | %d |\n", t, kinds[k] == "h2" ? "HTTP/2" : "HTTP/1.1",
				shape[kinds[k]], rps[t], ms(median(kinds[k] SUBSEP t SUBSEP "mean")), ms(median(kinds[k] SUBSEP t SUBSEP "p50")),
				ms(median(kinds[k] SUBSEP t SUBSEP "p99")), cpu[t], ratio(rps[t], rps[a]), ratio(cpu[t], cpu[a]),
				paired_ratio(kinds[k], t, a), errs[kinds[k], t]
		}
	}
}
function plain_tables(   tools, i, t, rps, cpu, w50, w99, p50, p99) {
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
	sleep_pairs()
}
# sleep_pairs: apiload against wrk round by round on the 10 ms handler, and
# in how many rounds the p50 was within 0.1 ms of the wrk p50 and the p99 no
# higher (the goal of issue 13).
function sleep_pairs(   r, d50, d99, ok, met) {
	printf "\nGET /sleep?ms=10, apiload against wrk in each round (goal: |p50 - wrk| <= 0.1 ms and p99 <= wrk p99)\n\n"
	printf "| round | wrk p50 | apiload p50 | p50 - wrk | wrk p99 | apiload p99 | p99 - wrk | goal met |\n"
	printf "|---:|---:|---:|---:|---:|---:|---:|---|\n"
	for (r = 0; r < rounds_of["sleep10ms"]; r++) {
		d50 = p50s["sleep10ms", "apiload", r] - p50s["sleep10ms", "wrk", r]
		d99 = p99s["sleep10ms", "apiload", r] - p99s["sleep10ms", "wrk", r]
		ok = (d50 <= 0.1 && d50 >= -0.1 && d99 <= 0)
		met += ok
		printf "| %d | %.3f ms | %.3f ms | %+.3f ms | %.3f ms | %.3f ms | %+.3f ms | %s |\n", r + 1, p50s["sleep10ms", "wrk", r],
			p50s["sleep10ms", "apiload", r], d50, p99s["sleep10ms", "wrk", r], p99s["sleep10ms", "apiload", r], d99, ok ? "yes" : "no"
	}
	printf "\ngoal met in %d of %d rounds\n", met, rounds_of["sleep10ms"]
}' "$rows"
