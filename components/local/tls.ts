/**
 * TLS for a rehearsed stack, as the cluster gets it from @pulumi/tls: a CA of the
 * stack's own and a server certificate per region signed by it (ECDSA P-256), made
 * with openssl. Servers and pools of a region present its certificate; standbys,
 * pools and clients verify it against the CA and the address they dialled (verify-full).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isIP } from "node:net";
import { join } from "node:path";
import { run } from "./exec";
import { ensureDir, writeOwnedFile } from "./files";
import type { RunAs } from "./identity";
import type { Layout } from "./layout";

const AS_ME: RunAs = {
  user: "",
  uid: process.getuid?.() ?? 0,
  gid: process.getgid?.() ?? 0,
  home: "/",
  switchUser: false,
};

/** The key of a region's pools' certificate in TlsFiles.regions (the servers' is the region's name). */
export const poolCertificateKey = (region: string) => `${region}-pools`;

export interface TlsFiles {
  caFile: string;
  /** Per region: its servers' certificate and key; under poolCertificateKey(region), its pools'. */
  regions: Record<string, { certFile: string; keyFile: string }>;
}

/** A new ECDSA P-256 key, unencrypted. */
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

async function openssl(args: string[]): Promise<void> {
  await run("openssl", args, { runAs: AS_ME, timeoutMs: 60_000 });
}

/**
 * The CA and one certificate per region, with every host of that region (its addresses here; the program's names in
 * the Kubernetes harness) as a subject alternative name. Keys end up 0600 and owned by the servers' user (PostgreSQL
 * refuses others).
 * openssl (as root) writes only into a scratch directory of root's own; the files are then copied into the state
 * directory without following links (writeOwnedFile), since the servers' user owns the directory they land in.
 */
export async function makeCertificates(
  layout: Layout,
  runAs: RunAs,
  name: string,
  regions: Record<string, readonly string[]>,
): Promise<TlsFiles> {
  const dir = layout.tlsDir;
  ensureDir(dir, runAs, 0o700);
  const scratch = mkdtempSync(join(tmpdir(), "pgrr-tls-"));
  const install = (made: string, file: string, mode: number) =>
    writeOwnedFile(join(dir, file), readFileSync(made, "utf8"), runAs, mode);
  try {
    const ca = { certFile: join(scratch, "ca.crt"), keyFile: join(scratch, "ca.key") };
    await makeCa(ca, name);
    install(ca.certFile, "ca.crt", 0o644);
    const files: TlsFiles = { caFile: join(dir, "ca.crt"), regions: {} };
    for (const [region, hosts] of Object.entries(regions)) {
      const made = { certFile: join(scratch, `${region}.crt`), keyFile: join(scratch, `${region}.key`) };
      await makeServerCertificate(made, ca, scratch, `${name} ${region}`, region, hosts);
      install(made.certFile, `${region}.crt`, 0o644);
      install(made.keyFile, `${region}.key`, 0o600);
      files.regions[region] = { certFile: join(dir, `${region}.crt`), keyFile: join(dir, `${region}.key`) };
    }
    return files;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

interface KeyPair {
  certFile: string;
  keyFile: string;
}

async function makeCa(ca: KeyPair, name: string): Promise<void> {
  await openssl([
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    ca.keyFile,
    "-out",
    ca.certFile,
    "-days",
    "3650",
    "-subj",
    `/O=pg-read-replicas/CN=${name} rehearsal CA`,
  ]);
}

/** An address as an IP SAN, a name as a DNS SAN (clients match an address only against IP SANs). */
function subjectAltName(host: string): string {
  return `${isIP(host) === 0 ? "DNS" : "IP"}:${host}`;
}

/** A key, a request (in scratch) and the CA's signature on it, valid for these hosts and localhost. */
async function makeServerCertificate(
  server: KeyPair,
  ca: KeyPair,
  scratch: string,
  commonName: string,
  region: string,
  hosts: readonly string[],
): Promise<void> {
  const csr = join(scratch, `${region}.csr`);
  const ext = join(scratch, `${region}.ext`);
  writeFileSync(
    ext,
    `subjectAltName=${[...hosts.map(subjectAltName), "DNS:localhost"].join(",")}\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl([
    "req",
    "-new",
    ...EC_KEY,
    "-keyout",
    server.keyFile,
    "-out",
    csr,
    "-subj",
    `/O=pg-read-replicas/CN=${commonName}`,
  ]);
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.certFile,
    "-CAkey",
    ca.keyFile,
    "-CAcreateserial",
    "-out",
    server.certFile,
    "-days",
    "730",
    "-extfile",
    ext,
  ]);
}
