/**
 * Password rotation on the statefulset engine, as rendered: the passwords Job in the primary's region gates every
 * StatefulSet, pool and pool userlist of every region; every database pod runs the refresher with the rotated
 * passwords mounted (never the superuser's) and one socket volume for the server and both sidecars; a rotation of
 * the application or replication password changes no database pod template (only the exporter's password is read
 * once, at start).
 */
import { describe, expect, it } from "vitest";
import { SOCKET_VOLUME } from "../../components/kubernetes/statefulset/manifests/configReloader";
import { contentHash } from "../../components/kubernetes/statefulset/hash";
import { TYPES, ofType } from "../support/graph";
import { type ProgramRun, type Registered, runProgram } from "../support/pulumiMocks";

const render = (stack: string): Promise<ProgramRun> => runProgram(stack, (config) => config);

function passwordsJob(run: ProgramRun): Registered {
  const jobs = ofType(run, TYPES.job).filter((job) => /-passwords-[0-9a-f]{16}$/.test(job.inputs.metadata.name));
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
}

describe("password rotation (statefulset engine)", () => {
  it("gates every StatefulSet and pool of every region on the passwords Job, which waits for the Secret", async () => {
    const run = await render("prod");
    const job = passwordsJob(run);
    expect(job.dependencies).toContain(
      ofType(run, TYPES.secret).find((s) => s.inputs.metadata.name === "pg-credentials" && s.provider === job.provider)!
        .urn,
    );
    const gated = [...ofType(run, TYPES.statefulSet), ...ofType(run, TYPES.deployment)];
    expect(gated.map((w) => w.inputs.metadata.name)).toContain("pg-replica-eu-west-1");
    for (const workload of gated) expect(workload.dependencies, workload.name).toContain(job.urn);
    // The pools' userlist too: their config-reloader would RELOAD a changed one in place, before any pod rolls.
    const userlists = ofType(run, TYPES.secret).filter((s) => s.inputs.metadata.name === "pg-pgbouncer-auth");
    expect(userlists.length).toBeGreaterThan(1);
    for (const userlist of userlists) expect(userlist.dependencies, userlist.name).toContain(job.urn);
  });

  it("runs the refresher beside every server, with the rotated passwords but not the superuser's", async () => {
    for (const stack of ["dev", "staging", "prod"]) {
      const run = await render(stack);
      for (const set of ofType(run, TYPES.statefulSet)) {
        const spec = set.inputs.spec.template.spec;
        const refresher = spec.containers.find((c: { name: string }) => c.name === "refresher");
        expect(refresher, `${stack} ${set.name}`).toBeDefined();
        const volume = spec.volumes.find((v: { name: string }) => v.name === "credentials");
        const keys = volume.secret.items.map((item: { key: string }) => item.key).sort();
        // The roles' verifiers (the writer sets them) and the replication password (a replica's passfile); never
        // the application's or the superuser's password.
        expect(keys).toEqual(
          expect.arrayContaining(["app-password-scram", "replication-password", "replication-password-scram"]),
        );
        expect(keys).not.toContain("superuser-password");
        expect(keys).not.toContain("app-password");
        const mounts = (name: string) =>
          spec.containers
            .filter((c: { volumeMounts?: Array<{ name: string }> }) => c.volumeMounts?.some((m) => m.name === name))
            .map((c: { name: string }) => c.name);
        // One socket volume: the server's, shared with both sidecars that log in over it.
        expect(mounts(SOCKET_VOLUME)).toEqual(["postgres", "config-reloader", "refresher"]);
        expect(
          spec.volumes.filter((v: { emptyDir?: { medium?: string } }) => v.emptyDir && !v.emptyDir.medium),
        ).toEqual([{ name: SOCKET_VOLUME, emptyDir: {} }]);
        // Whole directories: the kubelet never updates a subPath mount.
        for (const mount of refresher.volumeMounts) expect(mount.subPath).toBeUndefined();
      }
    }
  });

  it("hashes only the exporter's password into the database pods, so an application or replication rotation restarts no server", async () => {
    const run = await render("staging");
    const annotations = ofType(run, TYPES.statefulSet).map(
      (set) => set.inputs.spec.template.metadata.annotations["pg-read-replicas/credentials-hash"],
    );
    const monitor = ofType(run, TYPES.secret).find((s) => s.inputs.metadata.name === "pg-credentials")!.inputs
      .stringData["monitor-password"];
    expect(new Set(annotations)).toEqual(new Set([contentHash(monitor)]));
  });
});
