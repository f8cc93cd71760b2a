/**
 * The two images as the harness runs them from this machine's packages: the
 * entrypoint, environment and directories the image provides (from the facts),
 * and what stands in for the image's binaries (Debian's PostgreSQL, the
 * PgBouncer built here). Differences are listed in HARNESS_LIMITS.
 */
import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { PGBOUNCER_IMAGE, POSTGRES_IMAGE } from "../../components/facts/kubernetes";
import { findPgbouncer, findPostgres } from "../../components/local/binaries";

export interface ImageRuntime {
  entrypoint: string[];
  env: Record<string, string>;
  /** Directories of the image's filesystem the containers write to or mount under, each private per container. */
  directories: Record<string, { owner: "postgres" | "root"; mode: number }>;
  stopSignal: NodeJS.Signals;
}

const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
export const VENDORED_ENTRYPOINT = join(__dirname, "vendor", "docker-entrypoint.sh");

/**
 * A directory of stand-ins named as in the image, first on PATH: `links` point at installed binaries, `copies` are
 * copied in (a checkout under /root, as CI may clone it, is not traversable by the postgres user the containers run
 * as, so a link into it would be "Permission denied").
 */
function binDir(
  root: string,
  name: string,
  links: Record<string, string>,
  copies: Record<string, string> = {},
): string {
  const dir = join(root, "images", name);
  mkdirSync(dir, { recursive: true });
  for (const [command, target] of Object.entries(links)) symlinkSync(target, join(dir, command));
  for (const [command, source] of Object.entries(copies)) {
    copyFileSync(source, join(dir, command));
    chmodSync(join(dir, command), 0o755);
  }
  return dir;
}

export function imageRuntimes(root: string, postgresMajor: number): Record<"postgres" | "pgbouncer", ImageRuntime> {
  const pgBin = findPostgres(postgresMajor);
  const postgresBin = binDir(root, "postgres", {}, { "docker-entrypoint.sh": VENDORED_ENTRYPOINT });
  const pgbouncerBin = binDir(root, "pgbouncer", { pgbouncer: findPgbouncer().path });
  return {
    postgres: {
      entrypoint: [POSTGRES_IMAGE.entrypoint.value],
      env: {
        PATH: `${postgresBin}:${SYSTEM_PATH}:${pgBin}`,
        ...POSTGRES_IMAGE.env.value,
        PG_MAJOR: String(postgresMajor),
        // The image generates en_US.utf8; Debian here has only C.UTF-8.
        LANG: "C.UTF-8",
      },
      directories: {
        ...POSTGRES_IMAGE.directories.value,
        "/etc/postgresql": { owner: "root", mode: 0o755 },
        "/etc/pg-read-replicas": { owner: "root", mode: 0o755 },
      },
      stopSignal: POSTGRES_IMAGE.stopSignal.value as NodeJS.Signals,
    },
    pgbouncer: {
      entrypoint: ["/entrypoint.sh"],
      // psql for the readiness probe comes from Debian's client, as the image's from Alpine's.
      env: { PATH: `${pgbouncerBin}:${SYSTEM_PATH}:${pgBin}` },
      // /var/run/pgbouncer: a mount point the runtime creates for the socket's emptyDir.
      directories: {
        "/etc/pgbouncer": { owner: "postgres", mode: 0o755 },
        "/var/run/pgbouncer": { owner: "root", mode: 0o755 },
      },
      stopSignal: "SIGTERM",
    },
  };
}

/** Whether the harness can run a container of this image (the exporters' images are not here). */
export function knownImage(reference: string): boolean {
  return /^(docker\.io\/)?(library\/)?postgres:/.test(reference) || /(^|\/)pgbouncer:/.test(reference);
}

export function imageOf(reference: string): "postgres" | "pgbouncer" {
  if (/^(docker\.io\/)?(library\/)?postgres:/.test(reference)) return "postgres";
  if (reference.includes("pgbouncer")) return "pgbouncer";
  throw new Error(`image ${reference}: the harness knows the postgres and PgBouncer images only`);
}

/** What the harness does not reproduce, for the closing note and the test's output. */
export const HARNESS_LIMITS = [
  `images: Debian's PostgreSQL and PgBouncer ${"stand in"} for the images' (same major; PgBouncer built here vs ${PGBOUNCER_IMAGE.version.value}); LANG C.UTF-8 for en_US.utf8`,
  "users: the image uids (999, 70) map to this machine's postgres user",
  "kube-proxy: DNAT from Service IPs in one hub namespace; no SNAT, so externalTrafficPolicy Cluster is not emulated; readiness probes, endpoints and DNAT rules are synced every 5 s (the probes' period) and at each harness step, a pod Ready on one passing probe and unready on one failing (no thresholds)",
  "NetworkPolicies: enforced between pods by nftables in the hub (after kube-proxy's DNAT), on the ports the destination's containers declare, as support/networkPolicyModel.ts evaluates them (ipBlocks match only addresses outside the cluster, as Cilium does; another region's pods are outside); the host stands for the nodes, whose traffic with their pods is always allowed; no DNS server, so port 53 rules go unexercised",
  "one PgBouncer pod per pool, whatever instances says; readOnlyRootFilesystem and seccomp are not enforced",
  "Secret and ConfigMap volumes are written as the kubelet's AtomicWriter writes them (..data symlink swap); a changed object reaches running pods when a test calls the kubelet's sync (Harness.syncVolumes, or Harness.updateSecret for a Secret `up` changed), not on a timer",
  "sidecars run when their image is here (the config reloaders, the refresher); the exporters' images are not: the local backend runs Debian's postgres_exporter with the same queries file and role",
  "no StatefulSet controller: a test asks its double (statefulSetController.ts, from pkg/controller/statefulset) what to delete and restarts that pod, or scales a set down through Harness.scaleStatefulSetDown; the kubelet's in-place restart of an exited container is Pod.restartContainer, called by the test (no back-off timer)",
  "downward API volumes project metadata.labels only, rewritten when a test labels a pod (Pod.label, kubectl label's stand-in) or calls the kubelet's sync; no disruption controller or eviction API: a test asks evictionModel.ts (from eviction.go) whether a drain may evict a pod",
  "a memory-backed emptyDir is a tmpfs per container (only /dev/shm uses one); a disk emptyDir is one directory shared by the pod's containers",
  "a Deployment's rollout restart (Harness.rollDeployment, from facts/kubernetes/deploymentRollout.ts) starts the new incarnation in the same pod once the old one has closed its listeners; the old one keeps its open connections until they close or its grace period ends, and the rollout is done when the new one is Ready. Harness.restart (a test's) stops first, with a 120 s grace",
  "nodes: each pod on a node of its own; node loss is a test double (nodes.ts, from facts/kubernetes/nodeLoss.ts) the test drives: a partition cuts the pod's network namespace off, and the node lifecycle controller's marking and the healed kubelet's clean-up happen when the test calls them, not on timers; a pod recreated away from a lost node waits for its volume for good (no attach/detach controller)",
];
