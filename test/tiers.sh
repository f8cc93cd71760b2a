#!/usr/bin/env bash
# npm test's tiers, after its static checks: unit and components first; then the integration and rehearsal tiers
# one after the other in one lane and, in a second lane beside it, the harness tier (the longest: about as long as
# the other two together). The lanes share nothing: the integration topology and the CLI tests' stacks listen on
# loopback addresses and ports found free, and the rehearsal and harness stacks' network namespaces each take a
# free /21 of 198.18.0.0/15 (components/local/network.ts freeBlock under withNetworkLock, used by test/harness/net.ts too) and are named
# after their own state directories. The integration tier mostly waits (alerts' `for`, lag bounds, timeouts) while
# the harness boots servers, so the two lanes take about as long as the longer one. What they run is provisioned
# once before them: two lanes installing PostgreSQL at once would fight over dpkg's lock. Every tier runs even
# when one before it failed; the second lane's report is printed after the first's, whole.
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

"$vitest" run --project unit --project components 2>&1 | tee "$first"
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
node_modules/.bin/tsx test/provision.ts || exit 1

"$vitest" run --project harness >"$beside" 2>&1 &
lane=$!

for tier in integration rehearsal; do
  "$vitest" run --project "$tier" 2>&1 | tee -a "$first"
  status=${PIPESTATUS[0]}
  [ "$status" -lt 128 ] || exit "$status"
  [ "$status" -eq 0 ] || failed=1
done
wait "$lane" || failed=1
lane=""
echo
echo "== the harness tier, run beside the integration and rehearsal tiers:"
cat "$beside"
if [ "$failed" -ne 0 ]; then
  echo
  echo "== npm test failed; the failing tests of every tier:"
  test/failures.sh "$first" "$beside" || echo "(none named: a tier failed before or outside its tests; see its report above)"
fi
exit "$failed"
