#!/usr/bin/env node
// Loads the TypeScript CLI through tsx, so a fresh clone needs no build step.
require("tsx/cjs");
require("../cli/main.ts").main(process.argv);
