/**
 * What the tiers with real servers run on this machine, installed or built when missing, as `local up` does:
 * PostgreSQL 15 and PgBouncer 1.21+ (components/local/provision.ts), pgBackRest, Prometheus and postgres_exporter for
 * monitoring, nftables, which does kube-proxy's part in the Kubernetes harness, and openssl, with which the harness
 * reads the certificate a server serves.
 */
import { execFileSync } from "node:child_process";
import { provisionSteps } from "../../components/local/provision";

export async function provisionTools(needs: { monitoring: boolean; harness: boolean }): Promise<void> {
  // backup: pgBackRest, which the backup and restore tests run (directly, and through local up).
  for (const step of provisionSteps(15, { install: true, monitoring: needs.monitoring, backup: true })) {
    console.log(`provision: ${step.title}`);
    await step.run();
  }
  if (needs.harness) {
    ensurePackage("nft", "nftables", "the harness's Services");
    ensurePackage("openssl", "openssl", "the harness reads served certificates");
  }
}

function ensurePackage(binary: string, pkg: string, why: string): void {
  try {
    execFileSync(binary, ["version"], { stdio: "ignore" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return;
    console.log(`provision: Install ${pkg} with apt-get (${why})`);
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", pkg], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  }
}
