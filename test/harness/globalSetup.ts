/**
 * The harness runs this machine's PostgreSQL and PgBouncer in place of the images' and nftables in place of
 * kube-proxy: provisioned before any file, as the integration suite's `local up` provisions its own.
 */
import { provisionTools } from "../support/provisionTools";

export async function setup(): Promise<void> {
  await provisionTools({ monitoring: false, harness: true });
}
