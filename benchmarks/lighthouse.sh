#!/usr/bin/env bash
# Lighthouse (12.2.3, with Debian's Chromium) on the sample site's home page and an article page:
# prints the performance, accessibility, best-practices and SEO scores. A benchmark, not a
# test: run it by hand after theme changes and record the scores in BENCHMARKS-theme.md.
#   bash benchmarks/lighthouse.sh [REPORT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
tools="${TMPDIR:-/tmp}/sitegen-lighthouse"
reports="${1:-${TMPDIR:-/tmp}/sitegen-lighthouse-reports}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
# LH_CPU_SLOWDOWN: Lighthouse's CPU throttling (default 4 for mobile, 1 for desktop). The x4
# default emulates the phone of Lighthouse's mobile preset (a Moto G Power 2022, benchmark
# index 264 in Chrome DevTools' CPU calibration) only on a host with an index of about 1000;
# each host's index is printed with its scores. LH_CPU_SLOWDOWN=calibrate runs each page again
# with the multiplier DevTools' calibration would choose: host index / 264 (between 1 and 4).
# LH_FLAGS: more flags, e.g. LH_FLAGS=--preset=desktop.
LH_FLAGS="${LH_FLAGS:-}"

if [ ! -x "$tools/node_modules/.bin/lighthouse" ]; then
  npm install --silent --prefix "$tools" lighthouse@12.2.3 >/dev/null
fi

site="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$site"' EXIT
sitegen build --quiet --output "$site/out" >/dev/null
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# Serve it the way GitHub Pages does: gzip for text, a 10 minute cache lifetime.
python3 - "$site/out" "$port" >/dev/null 2>&1 <<'PY' &
import functools, gzip, http.server, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        path = self.translate_path(self.path)
        if path.endswith("/"):
            path += "index.html"
        text = path.endswith((".html", ".css", ".js", ".json", ".xml", ".svg"))
        if not text or "gzip" not in self.headers.get("Accept-Encoding", ""):
            return super().send_head()
        try:
            with open(path, "rb") as f:
                body = gzip.compress(f.read())
        except OSError:
            return super().send_head()
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        import io
        return io.BytesIO(body)

    def log_message(self, *args):
        pass

handler = functools.partial(Handler, directory=sys.argv[1])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), handler).serve_forever()
PY
server=$!
sleep 1

article="$(cd "$site/out" && ls -d articles/*/ | head -n 1)"
mkdir -p "$reports"
run() {  # run PAGE NAME [MULTIPLIER]
  "$tools/node_modules/.bin/lighthouse" "http://127.0.0.1:$port/$1" --quiet \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking" \
    ${3:+--throttling.cpuSlowdownMultiplier="$3"} $LH_FLAGS \
    --only-categories=performance,accessibility,best-practices,seo \
    --output=json --output-path="$reports/$2.json" >/dev/null
  python3 - "$reports/$2.json" "/$1" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
failed = [a["id"] for a in report["audits"].values()
          if a.get("score") is not None and a["score"] < 0.9 and a.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")]
cpu = report["configSettings"]["throttling"]["cpuSlowdownMultiplier"]
print(sys.argv[2], f"(host benchmark index {report['environment']['benchmarkIndex']:.0f}, CPU x{cpu:g})", " ".join(f"{k}={v}" for k, v in scores.items()), "below 0.9:", ", ".join(failed) or "none")
PY
}

for page in "" "$article"; do
  name="${page:-home}"; name="${name//\//_}"
  if [ "${LH_CPU_SLOWDOWN:-}" = calibrate ]; then
    run "$page" "$name"
    multiplier="$(python3 -c 'import json, sys; i = json.load(open(sys.argv[1]))["environment"]["benchmarkIndex"]; print(round(min(4.0, max(1.0, i / 264)), 2))' "$reports/$name.json")"
    run "$page" "$name-calibrated" "$multiplier"
  else
    run "$page" "$name" "${LH_CPU_SLOWDOWN:-}"
  fi
done
