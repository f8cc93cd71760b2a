/**
 * Boots a stack's rendered objects in the harness: its own network, the stack
 * rendered with this network's CIDRs (the only change to its config), real
 * certificates from a CA made here in place of the mocks' placeholders.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Layout } from "../../components/local/layout";
import { DEFAULT_CLUSTER_DOMAIN } from "../../components/kubernetes/conventions";
import { makeCertificates } from "../../components/local/tls";
import { Harness } from "./cluster";
import { imageRuntimes } from "./images";
import { HarnessNet } from "./net";
import { type ProgramRun, runProgram } from "../support/pulumiMocks";
import { type ClusterObjects, clustersOf } from "./objects";

export interface BootedStack {
  harness: Harness;
  net: HarnessNet;
  clusters: ClusterObjects[];
  regions: string[];
  /** The stack's name (resource prefix) and namespace. */
  name: string;
  caPem: string;
  /** The hosts each certificate names, as the program requested them: `<region>` (servers), `<region>-pools`. */
  certificateHosts: Record<string, string[]>;
  /** The config the stack was rendered with (the harness's CIDRs in place). */
  config: Record<string, string>;
  /** Renders the stack again with more config changed, as the next `pulumi up` would, and returns its objects. */
  rerender(edit: (config: Record<string, string>) => void): Promise<ClusterObjects[]>;
  teardown(): Promise<void>;
}

function postgresIdentity(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/** The stack's CIDRs replaced by the harness's: each region's pods, and the host (where the tests connect from). */
function withHarnessCidrs(config: Record<string, string>, net: HarnessNet): Record<string, string> {
  const edited = { ...config };
  const set = (key: string, value: unknown) => (edited[`pg-read-replicas:${key}`] = JSON.stringify(value));
  set("allowedCidrs", [net.podCidr(0), net.hostCidr]);
  if (config["pg-read-replicas:replicationCidrs"]) set("replicationCidrs", [net.podCidr(0)]);
  const cross = config["pg-read-replicas:crossRegion"];
  if (cross) {
    const regions = JSON.parse(cross) as Array<Record<string, unknown>>;
    set(
      "crossRegion",
      regions.map((region, i) => ({
        ...region,
        cidrs: [net.podCidr(1 + i)],
        allowedCidrs: [net.podCidr(1 + i), net.hostCidr],
      })),
    );
  }
  return edited;
}

/** kubernetes.clusterDomain as the stack sets it, or Kubernetes' default. */
function clusterDomainOf(config: Record<string, string>): string {
  const kubernetes = JSON.parse(config["pg-read-replicas:kubernetes"] ?? "{}") as { clusterDomain?: string };
  return kubernetes.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
}

function regionsOf(config: Record<string, string>): string[] {
  const home = config["pg-read-replicas:region"] ?? "us-east-1";
  const cross = config["pg-read-replicas:crossRegion"];
  return [home, ...(cross ? (JSON.parse(cross) as Array<{ region: string }>).map((r) => r.region) : [])];
}

/**
 * Image paths the containers mount under must exist on the host as mount points (each container
 * gets its own private copy). Created empty when missing and left in place: another harness run
 * on this machine may be using them.
 */
function ensureMountPoints(paths: readonly string[]): void {
  for (const path of paths.filter((p) => !existsSync(p))) mkdirSync(path, { recursive: true });
}

/**
 * Boots `stack` as rendered from its stack file; `edit` changes its config first (as a stack whose Pulumi.<stack>.yaml
 * says so would).
 */
export async function bootStack(
  stack: string,
  postgresMajor = 15,
  edit: (config: Record<string, string>) => void = () => undefined,
): Promise<BootedStack> {
  if (process.getuid?.() !== 0)
    throw new Error("the Kubernetes harness needs root: network namespaces, mounts and nftables");
  const root = mkdtempSync(join(tmpdir(), `pgrh-${stack}-`));
  chmodSync(root, 0o755);
  const net = new HarnessNet();
  try {
    return await boot(stack, postgresMajor, root, net, edit);
  } catch (error) {
    await net.destroy();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** The names and addresses one of the program's certificate requests asks for (clusterTls.ts), by its name's end. */
function requestedHosts(run: ProgramRun, suffix: string): string[] {
  const request = run.resources.find((r) => r.type === "tls:index/certRequest:CertRequest" && r.name.endsWith(suffix));
  if (!request) throw new Error(`the program requests no certificate named *${suffix}`);
  const { dnsNames = [], ipAddresses = [] } = request.inputs as { dnsNames?: string[]; ipAddresses?: string[] };
  return [...dnsNames, ...ipAddresses];
}

async function boot(
  stack: string,
  postgresMajor: number,
  root: string,
  net: HarnessNet,
  edit: (config: Record<string, string>) => void,
): Promise<BootedStack> {
  await net.create();
  let config: Record<string, string> = {};
  const run = await runProgram(stack, (original) => {
    config = withHarnessCidrs(original, net);
    edit(config);
    return config;
  });
  const regions = regionsOf(config);
  const clusters = clustersOf(run, regions);
  const name = config["pg-read-replicas:name"] ?? "pg";
  const certificateHosts = Object.fromEntries(
    regions.flatMap((r) => [
      [r, requestedHosts(run, `-${r}-csr`)],
      [`${r}-pools`, requestedHosts(run, `-${r}-pools-csr`)],
    ]),
  );
  const tls = await makeCertificates(
    { tlsDir: join(root, "tls") } as Layout,
    { user: "root", uid: 0, gid: 0, home: "/root", switchUser: false },
    stack,
    certificateHosts,
  );
  const caPem = readFileSync(tls.caFile, "utf8");
  clusters.forEach((cluster) => {
    const secret = cluster.secrets.get(`${name}-tls`);
    if (!secret) throw new Error(`no ${name}-tls Secret in ${cluster.region}`);
    const issued = (files: { certFile: string; keyFile: string }) => ({
      "tls.crt": readFileSync(files.certFile, "utf8"),
      "tls.key": readFileSync(files.keyFile, "utf8"),
      "ca.crt": caPem,
    });
    cluster.secrets.set(`${name}-tls`, issued(tls.regions[cluster.region]!));
    if (!cluster.secrets.has(`${name}-pool-tls`)) throw new Error(`no ${name}-pool-tls Secret in ${cluster.region}`);
    cluster.secrets.set(`${name}-pool-tls`, issued(tls.regions[`${cluster.region}-pools`]!));
  });
  const images = imageRuntimes(root, postgresMajor);
  ensureMountPoints([
    ...new Set([...Object.keys(images.postgres.directories), ...Object.keys(images.pgbouncer.directories)]),
  ]);
  const harness = new Harness({
    clusters,
    net,
    root,
    images,
    identity: postgresIdentity(),
    clusterDomain: clusterDomainOf(config),
  });
  harness.startControllers();
  return {
    harness,
    net,
    clusters,
    regions,
    name,
    caPem,
    certificateHosts,
    config,
    async rerender(edit) {
      const next = await runProgram(stack, () => {
        const copy = { ...config };
        edit(copy);
        return copy;
      });
      return clustersOf(next, regions);
    },
    async teardown() {
      await harness.stopAll();
      await net.destroy();
      // PG_READ_REPLICAS_HARNESS_KEEP=1 keeps the pods' logs and volumes for a look after a failure.
      if (process.env.PG_READ_REPLICAS_HARNESS_KEEP === "1") console.log(`harness files kept in ${root}`);
      else rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Starts every StatefulSet and Deployment of every region, as the component orders them: the primary's group first
 * (replicas seed from it), then the others, then the pools.
 */
export async function startAll(stack: BootedStack): Promise<void> {
  const { harness } = stack;
  for (const [cluster] of stack.regions.entries()) {
    const sets = harness.objects(cluster).workloads.filter((w) => w.kind === "StatefulSet");
    for (const set of [...sets].sort(
      (a, b) => Number(b.name.endsWith("-primary")) - Number(a.name.endsWith("-primary")),
    ))
      await harness.startStatefulSet(cluster, set.name);
    for (const deployment of harness.objects(cluster).workloads.filter((w) => w.kind === "Deployment"))
      await harness.startDeployment(cluster, deployment.name);
  }
}
