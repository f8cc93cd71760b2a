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
    const caKey = join(scratch, "ca.key");
    const caFile = join(dir, "ca.crt");
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    await openssl([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      caKey,
      "-out",
      caFile,
      "-days",
      "3650",
      "-subj",
      `/O=pg-read-replicas/CN=${name} rehearsal CA`,
    ]);
    const files: TlsFiles = { caFile, regions: {} };
    for (const [region, addresses] of Object.entries(regions)) {
      const certFile = join(dir, `${region}.crt`);
      const keyFile = join(dir, `${region}.key`);
      const csr = join(scratch, `${region}.csr`);
      const ext = join(scratch, `${region}.ext`);
      writeFileSync(
        ext,
        `subjectAltName=${[...addresses.map((a) => `IP:${a}`), "DNS:localhost"].join(",")}\nextendedKeyUsage=serverAuth\n`,
      );
      await openssl([
        "req",
        "-new",
        ...ec,
        "-keyout",
        keyFile,
        "-out",
        csr,
        "-subj",
        `/O=pg-read-replicas/CN=${name} ${region}`,
      ]);
      await openssl([
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        caFile,
        "-CAkey",
        caKey,
        "-CAcreateserial",
        "-out",
        certFile,
        "-days",
        "730",
        "-extfile",
        ext,
      ]);
      await run("chmod", ["0600", keyFile], { runAs: AS_ME });
      if (runAs.switchUser)
        await run("chown", [`${runAs.uid}:${runAs.gid}`, keyFile, certFile, caFile], { runAs: AS_ME });
      files.regions[region] = { certFile, keyFile };
    }
    return files;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
