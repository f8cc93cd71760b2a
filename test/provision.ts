/**
 * Installs or builds, when missing, every tool the tiers with real servers run (test/support/provisionTools.ts):
 * npm test does this once before it runs tiers side by side, whose own provisioning would otherwise race.
 */
import { provisionTools } from "./support/provisionTools";

provisionTools({ monitoring: true, harness: true }).catch((error: Error) => {
  console.error(`provision: ${error.message}`);
  process.exit(1);
});
