#!/usr/bin/env bash
# The HTTP comparison, in one run: a status poll (GET of an odirouter job's status_url, keep-alive, loopback only)
# answered by nanosim serve (Release build, default flags), a tuned bare cpp-httplib server returning the same body
# as a constant, nginx returning it as a constant, WireMock 3.13 (journal on, as shipped, and off) and aimock 1.43
# (fal queue status). Each load step is bench/http_load (answers counted per connection) after a warm-up; passes are
# interleaved (every server once per pass, in turn) at each concurrency. Prints a markdown table (req/s, p50/p99,
# the fewest answers a connection got, RSS, ratios) and writes it to build/bench/http-compare.md (-smoke.md).
#
#   bench/http-compare.sh [--passes 3] [--duration 8] [--warmup 3] [--concurrency "16 64 256"] [--servers "..."]
#   bench/http-compare.sh --smoke     # nanosim + the bare baseline, tiny durations: checks the run and the table
#
# Tools are installed on demand: nginx with apt-get, WireMock (the npm package `wiremock`, which ships the standalone
# jar; Java 17 runs it) and aimock (`@copilotkit/aimock`) with npm into build/bench-tools.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
passes=3
duration=8
warmup=3
concurrency="16 64 256"
servers="nanosim bare nginx wiremock wiremock-nojournal aimock"
smoke=0
build_dir="$root/build/release"
preset=release
while [[ $# -gt 0 ]]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --passes) passes="$2"; shift ;;
    --duration) duration="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --concurrency) concurrency="$2"; shift ;;
    --servers) servers="$2"; shift ;;
    --build-dir) build_dir="$2"; preset=""; shift ;;  # use programs already built there (the smoke test does)
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ $smoke == 1 ]]; then
  passes=1; duration=0.5; warmup=0.2; concurrency="16 64"; servers="nanosim bare"
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

log() { echo "[http-compare] $*" >&2; }
has() { [[ " $servers " == *" $1 "* ]]; }

# --- programs ----------------------------------------------------------------------------------------------------
if [[ -n $preset ]]; then
  [[ -f $build_dir/CMakeCache.txt ]] || cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target nanosim bare_httplib_server http_load >&2
fi
nanosim="$build_dir/simulator/nanosim"
bare="$build_dir/bench/bare_httplib_server"
load="$build_dir/bench/http_load"
for program in "$nanosim" "$bare" "$load"; do
  [[ -x $program ]] || { echo "missing $program" >&2; exit 1; }
done

tools="$root/build/bench-tools"
if has nginx && ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
  log "installing nginx (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null 2>&1 ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
if { has wiremock || has wiremock-nojournal; } && [[ ! -f $tools/node_modules/wiremock/package.json ]]; then
  log "installing wiremock 3.13.2 (npm)"
  npm install --silent --no-audit --no-fund --prefix "$tools" wiremock@3.13.2 >&2
fi
if has aimock && [[ ! -f $tools/node_modules/@copilotkit/aimock/package.json ]]; then
  log "installing @copilotkit/aimock 1.43.0 (npm)"
  npm install --silent --no-audit --no-fund --prefix "$tools" @copilotkit/aimock@1.43.0 >&2
fi

# METHOD URL BODY [HEADER]...: prints the answer's body (whatever its status); fails when nothing answers.
http() {
  python3 - "$@" <<'EOF'
import sys, urllib.request, urllib.error
method, url, body, *headers = sys.argv[1:]
request = urllib.request.Request(url, data=body.encode() if body else None, method=method)
for header in headers:
    name, value = header.split(":", 1)
    request.add_header(name.strip(), value.strip())
try:
    answer = urllib.request.urlopen(request, timeout=5).read()
except urllib.error.HTTPError as e:
    answer = e.read()
sys.stdout.write(answer.decode())
EOF
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # URL: until it answers (30 s at most)
  for _ in $(seq 300); do
    http GET "$1" "" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2; return 1
}

declare -A port_of pid_of path_of header_of
auth="Authorization: Bearer bench-key"

# --- nanosim: one job submitted, its status_url polled ------------------------------------------------------------
start_nanosim() {
  "$nanosim" serve --host 127.0.0.1 --port 0 >"$work/nanosim.out" 2>"$work/nanosim.err" &
  pid_of[nanosim]=$!; pids+=($!)
  for _ in $(seq 300); do grep -q 'listening on' "$work/nanosim.out" 2>/dev/null && break; sleep 0.1; done
  port_of[nanosim]="$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$work/nanosim.out")"
  local base="http://127.0.0.1:${port_of[nanosim]}"
  local submitted
  submitted="$(http POST "$base/odirouter/v1/queue/nano_banana_2" \
    '{"prompt":"A red apple on a white table, clean studio lighting, simple background.","aspect_ratio":"16:9"}' \
    "$auth" 'Content-Type: application/json')"
  path_of[nanosim]="$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.urlsplit(json.loads(sys.argv[1])["status_url"]).path)' "$submitted")"
  header_of[nanosim]="$auth"
  http GET "$base${path_of[nanosim]}" "" "$auth" >"$work/status-body.json"
}

start_bare() {
  "$bare" --port 0 --threads 72 --body-file "$work/status-body.json" >"$work/bare.out" 2>&1 &
  pid_of[bare]=$!; pids+=($!)
  for _ in $(seq 300); do grep -q 'listening on' "$work/bare.out" 2>/dev/null && break; sleep 0.1; done
  port_of[bare]="$(sed -n 's/listening on \([0-9]*\)/\1/p' "$work/bare.out")"
  path_of[bare]="${path_of[nanosim]}"; header_of[bare]="$auth"
}

start_nginx() {
  local port; port="$(free_port)"
  mkdir -p "$work/nginx/logs"
  local body; body="$(sed "s/'/\\\\'/g" "$work/status-body.json")"
  cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy; fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$port backlog=4096;
    location / { default_type application/json; return 200 '$body'; }
  }
}
EOF
  "$(command -v nginx || echo /usr/sbin/nginx)" -p "$work/nginx" -c "$work/nginx/nginx.conf" >&2 &
  pid_of[nginx]=$!; pids+=($!)
  port_of[nginx]=$port; path_of[nginx]="${path_of[nanosim]}"; header_of[nginx]="$auth"
  wait_http "http://127.0.0.1:$port/"
}

start_wiremock() {  # NAME [extra flags]
  local name="$1"; shift
  local port; port="$(free_port)"
  java -jar "$(ls "$tools"/node_modules/wiremock/build/wiremock-standalone-*.jar)" --port "$port" \
    --bind-address 127.0.0.1 --disable-banner "$@" >"$work/$name.out" 2>&1 &
  pid_of[$name]=$!; pids+=($!)
  port_of[$name]=$port; path_of[$name]="${path_of[nanosim]}"; header_of[$name]="$auth"
  wait_http "http://127.0.0.1:$port/__admin/mappings"
  python3 - "$port" "${path_of[nanosim]}" "$work/status-body.json" <<'EOF'
import json, sys, urllib.request
port, path, body_file = sys.argv[1], sys.argv[2], sys.argv[3]
stub = {"request": {"method": "GET", "urlPath": path},
        "response": {"status": 200, "body": open(body_file).read(), "headers": {"Content-Type": "application/json"}}}
urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/__admin/mappings", json.dumps(stub).encode(),
                                              {"Content-Type": "application/json"}))
EOF
}

start_aimock() {
  local port; port="$(free_port)"
  mkdir -p "$work/aimock"
  cat >"$work/aimock/fal.json" <<'EOF'
{"fixtures": [{"match": {"userMessage": "A red apple"},
               "response": {"json": {"images": [{"url": "https://example.com/apple.png", "width": 1376, "height": 768}]}}}]}
EOF
  node "$tools/node_modules/@copilotkit/aimock/dist/cli.js" --port "$port" --fixtures "$work/aimock" \
    >"$work/aimock.out" 2>&1 &
  pid_of[aimock]=$!; pids+=($!)
  port_of[aimock]=$port; header_of[aimock]="x-fal-target-host: queue.fal.run"
  local base="http://127.0.0.1:$port"
  wait_http "$base/"
  local submitted
  submitted="$(http POST "$base/fal/fal-ai/nano-banana" '{"prompt":"A red apple on a white table"}' \
    "${header_of[aimock]}" 'Content-Type: application/json')"
  local id; id="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["request_id"])' "$submitted")"
  path_of[aimock]="/fal/fal-ai/nano-banana/requests/$id/status"
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# The RSS of a server: its process and children (nginx's workers), summed.
tree_rss() {
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" 2>/dev/null || true); do total=$((total + $(rss_kib "$pid"))); done
  echo "$total"
}

# --- run ---------------------------------------------------------------------------------------------------------
start_nanosim
has bare && start_bare
has nginx && start_nginx
has wiremock && start_wiremock wiremock
has wiremock-nojournal && start_wiremock wiremock-nojournal --no-request-journal
has aimock && start_aimock
order=()
for s in $servers; do [[ -n ${port_of[$s]:-} ]] && order+=("$s"); done
log "servers: ${order[*]}; passes $passes, ${duration}s after ${warmup}s warm-up, concurrency $concurrency"

# A server and every process under it (nginx's workers, the JVM under WireMock's launcher).
descendants() {
  local child
  echo "$1"
  for child in $(pgrep -P "$1" 2>/dev/null || true); do descendants "$child"; done
}
# Only the measured server runs: the others are stopped (SIGSTOP), so an idle JVM's garbage collector or JIT, busy
# after its own step, takes no CPU from the next server's step on the shared cores.
run_only() {
  local s signal pid
  for s in "${order[@]}"; do
    signal=STOP; [[ $s == "$1" ]] && signal=CONT
    for pid in $(descendants "${pid_of[$s]}"); do kill -"$signal" "$pid" 2>/dev/null || true; done
  done
}

results="$work/results.jsonl"
: >"$results"
for pass in $(seq "$passes"); do
  for c in $concurrency; do
    # Interleaved: every server once per pass and concurrency, starting one further along each pass.
    n=${#order[@]}
    for i in $(seq 0 $((n - 1))); do
      s="${order[$(((i + pass - 1) % n))]}"
      run_only "$s"
      out="$("$load" --port "${port_of[$s]}" --path "${path_of[$s]}" --header "${header_of[$s]}" \
        --connections "$c" --threads 2 --warmup "$warmup" --duration "$duration")"
      rss="$(tree_rss "${pid_of[$s]}")"
      echo "{\"server\": \"$s\", \"pass\": $pass, \"c\": $c, \"rss_kib\": $rss, \"load\": $out}" >>"$results"
      log "pass $pass c$c $s: $out"
    done
  done
done

mkdir -p "$root/build/bench"
table="$root/build/bench/http-compare.md"
[[ $smoke == 0 ]] || table="$root/build/bench/http-compare-smoke.md"
python3 - "$results" "$smoke" >"$table" <<'EOF'
import json, os, platform, statistics, subprocess, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
smoke = sys.argv[2] == "1"
names = {"nanosim": "**nanosim serve** (Release, defaults)",
         "bare": "bare cpp-httplib, tuned (TCP_NODELAY, 72 threads, keep-alive unlimited, backlog 4096)",
         "nginx": "nginx, body as a constant", "wiremock": "WireMock 3.13.2, journal on (as shipped)",
         "wiremock-nojournal": "WireMock 3.13.2, journal off", "aimock": "aimock 1.43.0 (fal queue status)"}
servers = list(dict.fromkeys(r["server"] for r in rows))
cs = sorted(set(r["c"] for r in rows))
def runs(s, c): return [r for r in rows if r["server"] == s and r["c"] == c]
def rps(s, c): return statistics.mean(r["load"]["rps"] for r in runs(s, c))
def span(values, fmt):
    lo, hi = min(values), max(values)
    return fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)}–{fmt(hi)}"
ms = lambda v: f"{v:.2f}" if v < 10 else f"{v:.0f}"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
passes = max(r["pass"] for r in rows)
print(f"Machine: {os.cpu_count()} CPUs ({cpu}), {mem} MiB, Linux {platform.release()}; load average at the end "
      f"{os.getloadavg()[0]:.1f}. Mean of {passes} interleaved pass(es); loopback, keep-alive, "
      f"`bench/http_load` with 2 threads.\n")
head = "| server | " + " | ".join(f"c{c} req/s" for c in cs) + " | " + " | ".join(f"c{c} p50 / p99 ms" for c in cs)
head += " | fewest answers on one connection (" + ", ".join(f"c{c}" for c in cs) + ") | starved | RSS MiB |"
print(head)
print("|" + "---|" * (head.count("|") - 1))
for s in servers:
    cells = [f"{rps(s, c):,.0f}" for c in cs]
    cells += [span([r["load"]["p50_ms"] for r in runs(s, c)], ms) + " / " + span([r["load"]["p99_ms"] for r in runs(s, c)], ms) for c in cs]
    cells.append(", ".join(str(min(r["load"]["per_connection_min"] for r in runs(s, c))) for c in cs))
    cells.append(str(max(r["load"]["starved"] for r in rows if r["server"] == s)))
    cells.append(f"{max(r['rss_kib'] for r in rows if r['server'] == s) / 1024:.0f}")
    print(f"| {names.get(s, s)} | " + " | ".join(cells) + " |")
print()
targets = {"bare": 0.8, "wiremock-nojournal": 1.5, "wiremock": 2.0, "aimock": 4.0}
lines = []
for other, target in targets.items():
    if other in servers and "nanosim" in servers:
        ratios = [rps("nanosim", c) / rps(other, c) for c in cs]
        ok = "met" if all(r >= target for r in ratios) else "not met"
        short = {"bare": "bare cpp-httplib", "wiremock-nojournal": "WireMock, journal off",
                 "wiremock": "WireMock as shipped", "aimock": "aimock"}[other]
        lines.append(f"| nanosim ÷ {short} | " +
                     " | ".join(f"{r:.2f}×" for r in ratios) + f" | ≥ {target}× | {ok} |")
if lines:
    print("| ratio (req/s) | " + " | ".join(f"c{c}" for c in cs) + " | target | |")
    print("|" + "---|" * (len(cs) + 3))
    print("\n".join(lines))
    if "bare" in servers and 64 in cs:
        p99 = lambda s: statistics.mean(r["load"]["p99_ms"] for r in runs(s, 64))
        print(f"\np99 at c64: nanosim {p99('nanosim'):.2f} ms, bare {p99('bare'):.2f} ms "
              f"({p99('nanosim') / max(p99('bare'), 1e-9):.2f}×; target ≤ 2×).")
if smoke:
    bad = [r for r in rows if r["load"]["requests"] == 0]
    if bad:
        print(f"\nSMOKE FAILED: {len(bad)} run(s) got no answer", file=sys.stderr)
        sys.exit(1)
EOF
cat "$table"
if [[ $smoke == 1 ]]; then
  grep -q '^| \*\*nanosim serve\*\*' "$table" && grep -q '^| bare cpp-httplib' "$table"
  echo "http-compare smoke: ran, table written"
fi
