/**
 * TLS for a rehearsed stack, as the cluster gets it from @pulumi/tls: a CA of the
 * stack's own and a server certificate per region signed by it (ECDSA P-256), made
 * with openssl. Servers and pools of a region present its certificate; remote
 * replicas verify the primary against the CA (sslmode=verify-ca).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./exec";
import { ensureDir } from "./files";
import type { RunAs } from "./identity";
import type { Layout } from "./layout";

const AS_ME: RunAs = {
  user: "",
  uid: process.getuid?.() ?? 0,
  gid: process.getgid?.() ?? 0,
  home: "/",
  switchUser: false,
};

export interface TlsFiles {
  caFile: string;
  /** Per region: its server certificate and key. */
  regions: Record<string, { certFile: string; keyFile: string }>;
}

/** A new ECDSA P-256 key, unencrypted. */
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

async function openssl(args: string[]): Promise<void> {
  await run("openssl", args, { runAs: AS_ME, timeoutMs: 60_000 });
}

/**
 * The CA and one certificate per region, with every address of that region as a subject
 * alternative name. Keys end up 0600 and owned by the servers' user (PostgreSQL refuses others).
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
  try {
    const ca = { certFile: join(dir, "ca.crt"), keyFile: join(scratch, "ca.key") };
    await makeCa(ca, name);
    const files: TlsFiles = { caFile: ca.certFile, regions: {} };
    for (const [region, addresses] of Object.entries(regions)) {
      const server = { certFile: join(dir, `${region}.crt`), keyFile: join(dir, `${region}.key`) };
      await makeServerCertificate(server, ca, scratch, `${name} ${region}`, region, addresses);
      await run("chmod", ["0600", server.keyFile], { runAs: AS_ME });
      if (runAs.switchUser)
        await run("chown", [`${runAs.uid}:${runAs.gid}`, server.keyFile, server.certFile, ca.certFile], {
          runAs: AS_ME,
        });
      files.regions[region] = server;
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

/** A key, a request (in scratch) and the CA's signature on it, valid for these addresses and localhost. */
async function makeServerCertificate(
  server: KeyPair,
  ca: KeyPair,
  scratch: string,
  commonName: string,
  region: string,
  addresses: readonly string[],
): Promise<void> {
  const csr = join(scratch, `${region}.csr`);
  const ext = join(scratch, `${region}.ext`);
  writeFileSync(
    ext,
    `subjectAltName=${[...addresses.map((a) => `IP:${a}`), "DNS:localhost"].join(",")}\nextendedKeyUsage=serverAuth\n`,
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
