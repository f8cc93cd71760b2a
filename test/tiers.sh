#!/usr/bin/env bash
# npm test's tiers, after its static checks: unit and components first; then the integration tier in one lane
# and, in a second lane beside it, the harness and rehearsal tiers one after the other. The lanes share nothing:
# the integration topology and the CLI tests' stacks listen on loopback addresses and ports found free, and only
# the second lane creates network namespaces (198.18.0.0/15: test/harness/net.ts, components/local/network.ts).
# The integration tier mostly waits (alerts' `for`, lag bounds, timeouts) while the harness boots servers, so the
# two lanes take about as long as the longer one. What they run is provisioned once before them: two lanes
# installing PostgreSQL at once would fight over dpkg's lock. Every tier runs even when one before it failed;
# the second lane's report is printed after the first's, whole.
set -uo pipefail
cd "$(dirname "$0")/.."
vitest=node_modules/.bin/vitest
failed=0

first="$(mktemp)"
beside="$(mktemp)"
lane=""
# Interrupted, or ended early: the second lane stops too (vitest exits on SIGTERM as on an interrupt).
trap '[ -z "$lane" ] || kill -TERM "$lane" 2>/dev/null; rm -f "$beside" "$first"' EXIT
trap 'exit 130' INT TERM
# What failed, named again at the very end: CI keeps only the tail of a long log.
failures() { sed -e 's/\x1b\[[0-9;]*m//g' "$@" | grep -aE '^ *(FAIL|×|✗) ' | sort -u; }

"$vitest" run --project unit --project components 2>&1 | tee "$first"
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
node_modules/.bin/tsx test/provision.ts || exit 1

"$vitest" run --project harness --project rehearsal >"$beside" 2>&1 &
lane=$!

"$vitest" run --project integration 2>&1 | tee -a "$first"
integration=${PIPESTATUS[0]}
[ "$integration" -lt 128 ] || exit "$integration"
[ "$integration" -eq 0 ] || failed=1
wait "$lane" || failed=1
lane=""
echo
echo "== the harness and rehearsal tiers, run beside the integration tier:"
cat "$beside"
if [ "$failed" -ne 0 ]; then
  echo
  echo "== npm test failed; the failing tests of every tier:"
  failures "$first" "$beside" || echo "(none named: a tier failed before or outside its tests; see its report above)"
fi
exit "$failed"
