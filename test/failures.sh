#!/usr/bin/env bash
# The failing tests named in vitest reports (the files given), each with its error's first line and the first two
# frames it was thrown from: CI keeps only the tail of a long log, so this is what goes last. Prints nothing, and
# exits 1, when no test is named (a tier failed before or outside its tests).
set -uo pipefail
sed -e 's/\x1b\[[0-9;]*m//g' "$@" | awk '
  /Failed Tests [0-9]+/ { section = 1; next }
  section && /^ *Test Files / { section = 0 }
  section && /^ *FAIL / { print; named++; frames = 0; error = 0; next }
  section && !error && /(^|[A-Za-z])(Error|error)[:\]]/ { print "    " substr($0, 1, 400); error = 1; next }
  section && error && /^ *❯ / && frames < 2 { print "    " $0; frames++ }
  END { exit named ? 0 : 1 }
'
