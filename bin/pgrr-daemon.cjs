#!/usr/bin/env node
// A local stack's daemons (the read pool controller, the PgBouncer exporter) without the CLI: each
// loads its own module only, not every backend's (issue 27: through the CLI each held ~196 MB).
require("tsx/cjs");
require("../components/local/daemonMain.ts").main(process.argv.slice(2), require);
