#!/usr/bin/env bash
# with-redis.sh CMD [ARG...]: run CMD with APILOAD_TEST_REDIS_URL naming a live
# redis-server, for the Redis integration tests.
#
#   - APILOAD_TEST_REDIS_URL already set: run CMD as it is.
#   - else, redis-server on PATH: start a throwaway one on a free 127.0.0.1 port
#     (no persistence), export APILOAD_TEST_REDIS_URL, run CMD, stop the server.
#   - else: run CMD without it; the integration tests skip (with CI=true they,
#     and this script, fail instead).
#
# Used by `make test` and .ci/run. Exits with CMD's status.
set -euo pipefail

if [[ $# -eq 0 ]]; then
	echo "usage: $0 CMD [ARG...]" >&2
	exit 2
fi

if [[ -n "${APILOAD_TEST_REDIS_URL:-}" ]]; then
	exec "$@"
fi

if ! command -v redis-server >/dev/null 2>&1; then
	if [[ "${CI:-}" == true ]]; then
		echo "with-redis: redis-server is not on PATH; CI must run one (apt-get install redis-server)" >&2
		exit 1
	fi
	echo "with-redis: redis-server is not on PATH; the Redis integration tests will skip" >&2
	exec "$@"
fi

# port_open PORT: something accepts connections on 127.0.0.1:PORT.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# redis_ping PORT: a Redis server answers PING on 127.0.0.1:PORT.
redis_ping() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1"
		printf 'PING\r\n' >&3
		IFS= read -r -t 2 reply <&3
		[[ $reply == +PONG* ]]
	) 2>/dev/null
}

workdir=$(mktemp -d "${TMPDIR:-/tmp}/apiload-redis.XXXXXX")
pid=""
stop_redis() {
	if [[ -n $pid ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=""
	fi
	rm -rf "$workdir"
}
trap stop_redis EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=""
base=$((20000 + RANDOM % 30000))
for ((try = 0; try < 30; try++)); do
	candidate=$((base + try))
	if port_open "$candidate"; then
		continue # taken
	fi
	redis-server --port "$candidate" --bind 127.0.0.1 --save "" --appendonly no \
		--daemonize no --dir "$workdir" >"$workdir/redis.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do # up to about 10 s
		if redis_ping "$candidate"; then
			port=$candidate
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			break # exited: most likely someone took the port first
		fi
		sleep 0.1
	done
	if [[ -n $port ]]; then
		break
	fi
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=""
done

if [[ -z $port ]]; then
	echo "with-redis: could not start redis-server; its last log:" >&2
	cat "$workdir/redis.log" >&2 || true
	if [[ "${CI:-}" == true ]]; then
		exit 1
	fi
	echo "with-redis: running without it; the Redis integration tests will skip" >&2
	stop_redis
	trap - EXIT
	exec "$@"
fi

export APILOAD_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
echo "with-redis: redis-server (pid $pid) on 127.0.0.1:$port, APILOAD_TEST_REDIS_URL=$APILOAD_TEST_REDIS_URL" >&2

status=0
"$@" || status=$?
exit "$status"
