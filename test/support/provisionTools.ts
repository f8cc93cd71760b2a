/**
 * What the tiers with real servers run on this machine, installed or built when missing, as `local up` does:
 * PostgreSQL 15 and PgBouncer 1.21+ (components/local/provision.ts), Prometheus and postgres_exporter for
 * monitoring, and nftables, which does kube-proxy's part in the Kubernetes harness.
 */
import { execFileSync } from "node:child_process";
import { provisionSteps } from "../../components/local/provision";

export async function provisionTools(needs: { monitoring: boolean; nftables: boolean }): Promise<void> {
  for (const step of provisionSteps(15, { install: true, monitoring: needs.monitoring })) {
    console.log(`provision: ${step.title}`);
    await step.run();
  }
  if (needs.nftables) ensureNft();
}

function ensureNft(): void {
  try {
    execFileSync("nft", ["--version"], { stdio: "ignore" });
  } catch {
    console.log("provision: Install nftables with apt-get (the harness's Services)");
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "nftables"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  }
}
