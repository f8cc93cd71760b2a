/** The sslmode and CA file of a local standby's connection to its writer (seeding, following, the start guard). */
import { type SslMode, replicationSslMode, verifiesChain } from "../render/tlsModes";
import type { DatabaseNode, Topology } from "../topology/types";

/** Local certificates name every address of their region, the primary's region's included (local/tls.ts). */
const LOCAL_NAMES = { remotePrimaryNamed: true };

export interface StandbyTls {
  sslmode: SslMode;
  sslrootcert?: string;
}

export function standbyTls(topology: Topology, node: DatabaseNode, caFile: string | undefined): StandbyTls {
  const sslmode = replicationSslMode(topology, node, LOCAL_NAMES);
  if (!verifiesChain(sslmode)) return { sslmode };
  if (!caFile) throw new Error(`${node.name}: sslmode ${sslmode} needs the stack's CA, and the state records none`);
  return { sslmode, sslrootcert: caFile };
}
