/**
 * `preview reap` against a fake AWS that behaves as the account does: the Tagging API lists tagged resources per
 * region (a global cluster in its primary region only, IAM roles never: IAM lists its own), RDS refuses to delete a
 * cluster that still has instances or a global cluster that still has members, and a global cluster's writer leaves
 * only after its secondaries; EC2 refuses to delete a security group while an instance or proxy of its region exists,
 * IAM to delete a role while policies are attached or inline ones exist, and Secrets Manager is only ever asked to
 * delete with a recovery window.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { DASHBOARD_LABEL, EXPIRES_LABEL, expiryLabelValue } from "../../components/config/labels";
import { TAGGING_API_LISTS_IAM_ROLES } from "../../components/facts/aws";
import {
  DELETION_ORDER,
  type ReapApi,
  type ReapTarget,
  type RoleSteps,
  SECRET_RECOVERY_DAYS,
  type TaggedResource,
  deleteRoleInOrder,
  kindOf,
  reapPlan,
  reapPreviews,
} from "../../components/preview/reap";
import { REAP_PERMISSIONS } from "../../components/preview/reapAws";
import { previewCommands, templateRegions } from "../../cli/preview";

const NOW = new Date("2026-12-06T12:00:00Z");
const HOUR = 3_600_000;
const ACCOUNT = "111122223333";
const A = `arn:aws:rds:us-east-1:${ACCOUNT}`;
const E = `arn:aws:rds:eu-west-1:${ACCOUNT}`;
const expired = {
  [EXPIRES_LABEL]: expiryLabelValue(new Date(NOW.getTime() - 10 * HOUR)),
  "pg-read-replicas/change": "42",
};

const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:pg-aurora-pr-42-alarms`;
const TOPIC_EU = `arn:aws:sns:eu-west-1:${ACCOUNT}:pg-aurora-pr-42-alarms`;
const MASTER_SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:pg-master-secret-3f9a2c1-Ab12Cd`;
const APP_SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:pg-app-secret-8e7d6c5-Xy34Zw`;
const LOG_GROUP = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/rds/cluster/pg-aurora-pr-42-0a1b2c3d/postgresql:*`;
const LOG_GROUP_EU = `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/rds/cluster/pg-aurora-pr-42-eu-west-1-4e5f6a7b/postgresql`;
const SG = `arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/sg-0123456789abcdef0`;
const SG_EU = `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-0fedcba9876543210`;
const PROXY_ROLE = `arn:aws:iam::${ACCOUNT}:role/pg-proxy-role-5d4c3b2`;
const MONITORING_ROLE = `arn:aws:iam::${ACCOUNT}:role/pg-monitoring-1a2b3c4`;
const DASHBOARD_NAME = "pg-aurora-pr-42-replication";
const DASHBOARD = `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${DASHBOARD_NAME}`;
/** A home-region alarm: it names the stack's dashboard, which takes no tags (alarms.ts). */
const ALARM = `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:pg-aurora-pr-42-pg-primary-0-cpu`;

function preview(): TaggedResource[] {
  const r = (arn: string, region = arn.split(":")[3]!): TaggedResource => ({ arn, region, tags: expired });
  return [
    r(`${A}:subgrp:pg-subnets`),
    r(`${A}:cluster-pg:pg-cluster-params`),
    r(`arn:aws:rds::${ACCOUNT}:global-cluster:pg-aurora-pr-42`, "us-east-1"),
    r(`${A}:cluster:pg-aurora-pr-42`),
    r(`${E}:cluster:pg-aurora-pr-42-eu-west-1`),
    r(`${A}:db:pg-primary-0`),
    r(`${E}:db:pg-eu-west-1-0`),
    r(`${A}:db-proxy:prx-0123`),
    { arn: ALARM, region: "us-east-1", tags: { ...expired, [DASHBOARD_LABEL]: DASHBOARD_NAME } },
    r(TOPIC),
    r(TOPIC_EU),
    r(MASTER_SECRET),
    r(APP_SECRET),
    r(LOG_GROUP),
    r(LOG_GROUP_EU),
    r(SG),
    r(SG_EU),
    r(PROXY_ROLE, "us-east-1"),
    r(MONITORING_ROLE, "us-east-1"),
    { arn: `${A}:db:someone-elses`, region: "us-east-1", tags: { owner: "prod" } },
  ];
}
/** The instances and the proxy whose network interfaces hold each security group. */
const SG_USERS: Record<string, string[]> = {
  [SG]: [`${A}:db:pg-primary-0`, `${A}:db-proxy:prx-0123`],
  [SG_EU]: [`${E}:db:pg-eu-west-1-0`],
};
/** What a leaked preview's listing holds with the expiry tag: everything above but someone else's instance. */
const TAGGED = preview().length - 1;
/** What the reaper deletes: those, and the dashboard its alarm names. */
const DELETABLE = TAGGED + 1;

/** A role's policies as IAM holds them, and IAM's refusal to delete a role that still has any. */
function fakeIam(roles: Record<string, { attached: string[]; inline: string[]; profiles: string[] }>) {
  const calls: string[] = [];
  const of = (role: string) => {
    const r = roles[role];
    if (!r) throw new Error(`NoSuchEntity: role ${role}`);
    return r;
  };
  const steps: RoleSteps = {
    attachedPolicyArns: async (role) => [...of(role).attached],
    detachPolicy: async (role, arn) => {
      calls.push(`detach ${role} ${arn}`);
      of(role).attached = of(role).attached.filter((a) => a !== arn);
    },
    inlinePolicyNames: async (role) => [...of(role).inline],
    deleteInlinePolicy: async (role, name) => {
      calls.push(`delete-inline ${role} ${name}`);
      of(role).inline = of(role).inline.filter((n) => n !== name);
    },
    instanceProfileNames: async (role) => [...of(role).profiles],
    removeFromInstanceProfile: async (role, profile) => {
      calls.push(`remove-from-profile ${role} ${profile}`);
      of(role).profiles = of(role).profiles.filter((p) => p !== profile);
    },
    deleteRole: async (role) => {
      const r = of(role);
      if (r.attached.length > 0 || r.inline.length > 0 || r.profiles.length > 0)
        throw new Error(`DeleteConflict: role ${role} still has policies or instance profiles`);
      calls.push(`delete-role ${role}`);
      delete roles[role];
    },
  };
  return { steps, calls, roles };
}

/**
 * RDS as it refuses (for the preview's own resources, named pg-…): a cluster with instances, a global cluster with
 * members, the writer before its secondaries. EC2 refuses a security group while an instance or proxy of its region
 * exists (their network interfaces hold it); IAM a role with policies; Secrets Manager is asked with a recovery window
 * or refuses here (the product never destroys a secret irrecoverably). The Tagging API returns no IAM roles.
 */
function fakeAws(resources: TaggedResource[], lingering: readonly string[] = []) {
  const alive = new Set(resources.map((r) => r.arn));
  /** Network interfaces of a proxy or instance deleted a moment ago: not listed any more, still holding their group. */
  const interfaces = new Set(lingering);
  const deleted: string[] = [];
  const secretWindows: Record<string, number> = {};
  /** The account's dashboards: untagged, so never listed; another stack's beside the preview's. */
  const dashboards = new Set([DASHBOARD_NAME, "prod-replication"]);
  const iam = fakeIam({
    "pg-proxy-role-5d4c3b2": { attached: [], inline: ["pg-proxy-reads-secrets"], profiles: [] },
    "pg-monitoring-1a2b3c4": {
      attached: ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"],
      inline: [],
      profiles: ["pg-monitoring-profile"],
    },
  });
  const has = (kind: string, region?: string) =>
    [...alive].some((arn) => arn.includes(`:${kind}:pg-`) && (region === undefined || arn.split(":")[3] === region));
  const api: ReapApi = {
    async listTagged(region, key) {
      return resources.filter(
        (r) =>
          r.region === region &&
          alive.has(r.arn) &&
          key in r.tags &&
          (TAGGING_API_LISTS_IAM_ROLES.value || !r.arn.startsWith("arn:aws:iam:")),
      );
    },
    async listTaggedRoles(key) {
      return resources.filter((r) => r.arn.startsWith("arn:aws:iam:") && alive.has(r.arn) && key in r.tags);
    },
    async delete(target: ReapTarget) {
      if (target.kind === "dashboard") {
        if (!dashboards.delete(target.name)) throw new Error(`ResourceNotFound: dashboard ${target.name}`);
        deleted.push(target.arn);
        return;
      }
      if (!alive.has(target.arn)) throw new Error(`NotFound: ${target.arn}`);
      if (target.kind === "cluster" && has("db", target.region))
        throw new Error("InvalidDBClusterStateFault: has instances");
      if (target.kind === "cluster" && target.region === "us-east-1" && has("cluster", "eu-west-1"))
        throw new Error("the writer leaves the global cluster after its secondaries");
      if (target.kind === "global-cluster" && has("cluster"))
        throw new Error("InvalidGlobalClusterStateFault: has members");
      if (
        target.kind === "security-group" &&
        (SG_USERS[target.arn] ?? []).some((user) => alive.has(user) || interfaces.has(user))
      )
        throw new Error(`DependencyViolation: resource ${target.name} has a dependent object`);
      if (target.kind === "secret") {
        if (target.recoveryWindowDays === undefined || target.recoveryWindowDays < 7)
          throw new Error("refused by the fake: a secret is only deleted with a recovery window of 7 to 30 days");
        secretWindows[target.arn] = target.recoveryWindowDays;
      }
      if (target.kind === "iam-role") await deleteRoleInOrder(iam.steps, target.name);
      alive.delete(target.arn);
      deleted.push(target.arn);
    },
  };
  return Object.assign(api, { deleted, alive, secretWindows, iam, dashboards });
}

const REGIONS = ["us-east-1", "eu-west-1"];
const run = (api: ReapApi, del = true, olderThanMs = HOUR) =>
  reapPreviews(api, { regions: REGIONS, now: NOW, olderThanMs, delete: del, log: () => {} });

/** The CLI as a user runs it, against the fake account; what it wrote to stderr. */
async function reapCli(api: ReapApi, ...args: string[]): Promise<string> {
  const root = new Command().exitOverride();
  previewCommands(root, undefined, api);
  const written: string[] = [];
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (written.push(String(chunk)), true));
  try {
    await root.parseAsync(["node", "cli", "preview", "reap", "--older-than", "1h", "--region", ...REGIONS, ...args]);
  } finally {
    spy.mockRestore();
    process.exitCode = undefined;
  }
  return written.join("");
}

describe("preview reap", () => {
  it("deletes an expired preview in dependency order, the writer's cluster after its secondary's", async () => {
    const api = fakeAws(preview());
    const report = await run(api);
    expect(report.failed, JSON.stringify(report.failed)).toEqual([]);
    const kinds = api.deleted.map((arn) => kindOf(arn).kind);
    expect(kinds).toEqual(
      [...kinds].sort((a, b) => DELETION_ORDER.indexOf(a as never) - DELETION_ORDER.indexOf(b as never)),
    );
    expect(api.deleted.indexOf(`${E}:cluster:pg-aurora-pr-42-eu-west-1`)).toBeLessThan(
      api.deleted.indexOf(`${A}:cluster:pg-aurora-pr-42`),
    );
    expect(api.deleted).toContain(`arn:aws:rds::${ACCOUNT}:global-cluster:pg-aurora-pr-42`);
  });

  it("leaves nothing of a whole leaked preview: topics, secrets, log groups, security groups and IAM roles too", async () => {
    const api = fakeAws(preview());
    const report = await run(api);
    expect(report.failed, JSON.stringify(report.failed)).toEqual([]);
    expect(report.byHand).toEqual([]);
    expect([...api.alive]).toEqual([`${A}:db:someone-elses`]);
    expect(api.deleted).toHaveLength(DELETABLE);
    for (const arn of [TOPIC, TOPIC_EU, MASTER_SECRET, APP_SECRET, LOG_GROUP, LOG_GROUP_EU, SG, SG_EU])
      expect(api.deleted).toContain(arn);
    expect(api.deleted.slice(-2).sort()).toEqual([MONITORING_ROLE, PROXY_ROLE].sort());
    expect(api.iam.roles).toEqual({});
    expect(api.iam.calls).toEqual(
      expect.arrayContaining([
        "delete-inline pg-proxy-role-5d4c3b2 pg-proxy-reads-secrets",
        "detach pg-monitoring-1a2b3c4 arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        "remove-from-profile pg-monitoring-1a2b3c4 pg-monitoring-profile",
      ]),
    );
    expect(api.secretWindows).toEqual({ [MASTER_SECRET]: 7, [APP_SECRET]: 7 });
    expect([...api.dashboards]).toEqual(["prod-replication"]);
    expect(api.deleted.indexOf(DASHBOARD)).toBe(api.deleted.indexOf(ALARM) + 1);
  });

  it("keeps the dashboard while any alarm naming it is not expired long enough, or has no expiry", () => {
    const later = { ...expired, [EXPIRES_LABEL]: expiryLabelValue(new Date(NOW.getTime() + HOUR)) };
    const names = (resources: TaggedResource[]) =>
      reapPlan(resources, NOW, HOUR)
        .remove.filter((t) => t.kind === "dashboard")
        .map((t) => t.name);
    expect(names(preview())).toEqual([DASHBOARD_NAME]);
    const other = `${ALARM}-2`;
    expect(
      names([...preview(), { arn: other, region: "us-east-1", tags: { ...later, [DASHBOARD_LABEL]: DASHBOARD_NAME } }]),
    ).toEqual([]);
    expect(
      names([...preview(), { arn: other, region: "us-east-1", tags: { [DASHBOARD_LABEL]: DASHBOARD_NAME } }]),
    ).toEqual([]);
  });

  it("takes a dashboard's name from an alarm only, and only a name the product gives dashboards", () => {
    const names = (arn: string, dashboard: string) =>
      reapPlan([{ arn, region: "us-east-1", tags: { ...expired, [DASHBOARD_LABEL]: dashboard } }], NOW, HOUR)
        .remove.filter((t) => t.kind === "dashboard")
        .map((t) => t.arn);
    expect(names(ALARM, DASHBOARD_NAME)).toEqual([DASHBOARD]);
    expect(names(TOPIC, DASHBOARD_NAME)).toEqual([]);
    expect(names(ALARM, "prod-overview")).toEqual([]);
    expect(names(ALARM, "../prod-replication")).toEqual([]);
  });

  it("deletes a security group only after the instances and the proxy whose interfaces hold it", async () => {
    const api = fakeAws(preview());
    await run(api);
    for (const [sg, users] of Object.entries(SG_USERS))
      for (const user of users)
        expect(api.deleted.indexOf(user), `${user} before ${sg}`).toBeLessThan(api.deleted.indexOf(sg));
  });

  it("reports a security group still held by a deleted proxy's interfaces, and deletes the rest", async () => {
    const proxy = `${A}:db-proxy:prx-0123`;
    const api = fakeAws(
      preview().filter((r) => r.arn !== proxy),
      [proxy],
    );
    const report = await run(api);
    expect(report.failed).toEqual([{ arn: SG, error: expect.stringMatching(/^DependencyViolation/) }]);
    expect([...api.alive].sort()).toEqual([`${A}:db:someone-elses`, SG].sort());
  });

  it("detaches and deletes a role's policies before the role, which IAM refuses otherwise", async () => {
    const iam = fakeIam({ r: { attached: ["arn:aws:iam::aws:policy/p"], inline: ["i"], profiles: ["ip"] } });
    await expect(iam.steps.deleteRole("r")).rejects.toThrow(/DeleteConflict/);
    await deleteRoleInOrder(iam.steps, "r");
    expect(iam.calls).toEqual([
      "detach r arn:aws:iam::aws:policy/p",
      "delete-inline r i",
      "remove-from-profile r ip",
      "delete-role r",
    ]);
  });

  it("schedules secrets for deletion with a 7-day recovery window, and says so", async () => {
    expect(SECRET_RECOVERY_DAYS).toBe(7);
    const plan = reapPlan(preview(), NOW, HOUR);
    expect(plan.remove.filter((t) => t.kind === "secret").map((t) => t.recoveryWindowDays)).toEqual([7, 7]);
    expect(plan.remove.filter((t) => t.kind !== "secret").every((t) => t.recoveryWindowDays === undefined)).toBe(true);
    const lines: string[] = [];
    await reapPreviews(fakeAws(preview()), {
      regions: REGIONS,
      now: NOW,
      olderThanMs: HOUR,
      delete: true,
      log: (l) => lines.push(l),
    });
    const line = lines.find((l) => l.includes(MASTER_SECRET));
    expect(line).toMatch(/^scheduled .* for deletion in 7 days/);
    expect(line).toContain("restore-secret");
    expect(line).toContain("nothing in this product destroys irrecoverably by default");
  });

  it("lists IAM roles through IAM, once, since the Tagging API does not return them", async () => {
    expect(TAGGING_API_LISTS_IAM_ROLES.value).toBe(false);
    const api = fakeAws(preview());
    const listRoles = vi.spyOn(api, "listTaggedRoles");
    const report = await run(api, false);
    expect(listRoles).toHaveBeenCalledTimes(1);
    expect(report.remove.filter((t) => t.kind === "iam-role").map((t) => t.name)).toEqual([
      "pg-proxy-role-5d4c3b2",
      "pg-monitoring-1a2b3c4",
    ]);
  });

  it("refuses anything without the expiry tag, even when the listing returns it", () => {
    const plan = reapPlan(preview(), NOW, 0);
    expect(plan.refused.map((r) => r.arn)).toEqual([`${A}:db:someone-elses`]);
    expect(plan.remove.map((r) => r.arn)).not.toContain(`${A}:db:someone-elses`);
  });

  it("keeps a preview not yet expired for --older-than, and deletes nothing unless asked to", async () => {
    expect(reapPlan(preview(), NOW, 11 * HOUR)).toMatchObject({ remove: [], kept: TAGGED });
    const api = fakeAws(preview());
    const report = await run(api, false);
    expect(api.deleted).toEqual([]);
    expect(api.iam.calls).toEqual([]);
    expect(api.secretWindows).toEqual({});
    expect(report.remove.length).toBe(DELETABLE);
    const unstated = await reapPreviews(api, { regions: REGIONS, now: NOW, olderThanMs: HOUR, log: () => {} });
    expect(api.deleted).toEqual([]);
    expect(unstated.remove.length).toBe(DELETABLE);
  });

  it("lists by default on the command line and deletes only with --delete", async () => {
    const api = fakeAws(preview());
    const listed = await reapCli(api);
    expect(api.deleted).toEqual([]);
    expect(listed).toContain(`would delete ${A}:cluster:pg-aurora-pr-42`);
    for (const arn of [TOPIC, LOG_GROUP, SG, PROXY_ROLE]) expect(listed).toContain(`would delete ${arn}`);
    expect(listed).toContain(`would schedule ${MASTER_SECRET} for deletion in 7 days`);
    expect(listed).toContain(`Would delete (run again with --delete to delete) ${DELETABLE}`);
    const acted = await reapCli(api, "--delete");
    expect(api.deleted.length).toBe(DELETABLE);
    expect(acted).toContain(`Deleted ${DELETABLE}, failed 0, by hand 0`);
  });

  it("searches the Aurora preview template's regions by default", () => {
    expect(templateRegions("stacks", "aurora-pr")).toEqual(["us-east-1", "eu-west-1"]);
  });

  it("names in the README every permission it needs, the new services' deletes among them", () => {
    for (const action of [
      "sns:DeleteTopic",
      "secretsmanager:DeleteSecret",
      "logs:DeleteLogGroup",
      "ec2:DeleteSecurityGroup",
      "iam:ListRoleTags",
      "iam:DeleteRole",
    ])
      expect(REAP_PERMISSIONS).toContain(action);
    const readme = readFileSync("README.md", "utf8");
    const paragraph = readme.slice(readme.indexOf("`preview reap` searches the `aurora-pr` template's regions"));
    const text = paragraph.slice(0, paragraph.indexOf("\n\n"));
    for (const action of REAP_PERMISSIONS) expect(text, action).toContain(`\`${action}\``);
  });
});

describe("kindOf", () => {
  it.each([
    [TOPIC, "sns-topic", "pg-aurora-pr-42-alarms"],
    [MASTER_SECRET, "secret", "pg-master-secret-3f9a2c1"],
    [`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:pg/app/login-Ab12Cd`, "secret", "pg/app/login"],
    [LOG_GROUP, "log-group", "/aws/rds/cluster/pg-aurora-pr-42-0a1b2c3d/postgresql"],
    [LOG_GROUP_EU, "log-group", "/aws/rds/cluster/pg-aurora-pr-42-eu-west-1-4e5f6a7b/postgresql"],
    [SG, "security-group", "sg-0123456789abcdef0"],
    [PROXY_ROLE, "iam-role", "pg-proxy-role-5d4c3b2"],
    [`arn:aws:iam::${ACCOUNT}:role/service-role/pg/pg-monitoring`, "iam-role", "pg-monitoring"],
  ])("%s → %s %s", (arn, kind, name) => {
    expect(kindOf(arn)).toEqual({ kind, name });
  });

  it("gives a deletable kind to those forms only: not to a subscription, a stream, a policy or a profile", () => {
    const deletable = (arn: string) => (DELETION_ORDER as readonly string[]).includes(kindOf(arn).kind);
    for (const arn of [TOPIC, MASTER_SECRET, LOG_GROUP, SG, PROXY_ROLE, DASHBOARD])
      expect(deletable(arn), arn).toBe(true);
    for (const arn of [
      `${TOPIC}:0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e`,
      `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/x:log-stream:s1`,
      `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`,
      `arn:aws:iam::${ACCOUNT}:policy/pg-proxy-reads`,
      `arn:aws:iam::${ACCOUNT}:instance-profile/pg-monitoring-profile`,
      `${A}:cluster-snapshot:pg-x-final`,
      "arn:aws:s3:::bucket",
    ])
      expect(deletable(arn), arn).toBe(false);
  });
});

/** ARNs of every form the reaper knows, and of others, with names as the services allow them. */
const word = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const path = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join("/"));
const region = fc.constantFrom("us-east-1", "eu-west-1");
const knownArn = fc.oneof(
  fc
    .tuple(region, fc.constantFrom("db", "cluster", "db-proxy", "subgrp", "pg", "cluster-pg"), word)
    .map(([r, t, n]) => `arn:aws:rds:${r}:${ACCOUNT}:${t}:${n}`),
  fc.tuple(region, word).map(([r, n]) => `arn:aws:cloudwatch:${r}:${ACCOUNT}:alarm:${n}`),
  fc.tuple(region, word).map(([r, n]) => `arn:aws:sns:${r}:${ACCOUNT}:${n}`),
  fc
    .tuple(region, path, fc.stringMatching(/^[A-Za-z0-9]{6}$/))
    .map(([r, n, s]) => `arn:aws:secretsmanager:${r}:${ACCOUNT}:secret:${n}-${s}`),
  fc
    .tuple(region, path, fc.boolean())
    .map(([r, n, star]) => `arn:aws:logs:${r}:${ACCOUNT}:log-group:/${n}${star ? ":*" : ""}`),
  fc
    .tuple(region, fc.stringMatching(/^[0-9a-f]{8,17}$/))
    .map(([r, id]) => `arn:aws:ec2:${r}:${ACCOUNT}:security-group/sg-${id}`),
  fc
    .tuple(fc.option(path, { nil: undefined }), word)
    .map(([p, n]) => `arn:aws:iam::${ACCOUNT}:role/${p ? `${p}/` : ""}${n}`),
);
/** Each with whether the reaper knows its kind, said by the generator rather than by kindOf. */
const anyArn = fc.oneof(
  knownArn.map((arn) => ({ arn, known: true })),
  fc
    .tuple(fc.constantFrom("s3", "kms", "lambda", "dynamodb"), word, word)
    .map(([s, t, n]) => ({ arn: `arn:aws:${s}:us-east-1:${ACCOUNT}:${t}/${n}`, known: false })),
  fc.string().map((arn) => ({ arn, known: false })),
);
const tags = fc.oneof(
  fc.constant({} as Record<string, string>),
  fc.constant({ owner: "prod" } as Record<string, string>),
  fc.constant(expired as Record<string, string>),
);

/** Lists whatever it holds (tag or none, as a listing that went wrong would) and deletes whatever it is asked. */
function permissiveAws(resources: TaggedResource[]): ReapApi & { deleted: string[] } {
  const deleted: string[] = [];
  return {
    deleted,
    listTagged: async (r) => resources.filter((x) => x.region === r && !x.arn.startsWith("arn:aws:iam:")),
    listTaggedRoles: async () => resources.filter((x) => x.arn.startsWith("arn:aws:iam:")),
    delete: async (t) => void deleted.push(t.arn),
  };
}

describe("whatever the ARN", () => {
  it("deletes a resource only with the expiry tag, and every expired one of a kind it knows", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(anyArn, tags), { selector: ([{ arn }]) => arn, maxLength: 12 }),
        async (pairs) => {
          const resources = pairs.map(([{ arn }, t]) => ({ arn, region: "us-east-1", tags: t }));
          const api = permissiveAws(resources);
          await reapPreviews(api, { regions: ["us-east-1"], now: NOW, olderThanMs: HOUR, delete: true, log: () => {} });
          const expected = pairs.filter(([{ known }, t]) => known && EXPIRES_LABEL in t).map(([{ arn }]) => arn);
          expect([...api.deleted].sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  it("recognises every ARN form the reaper knows, and refuses each without the expiry tag", async () => {
    await fc.assert(
      fc.asyncProperty(knownArn, tags, async (arn, t) => {
        expect(DELETION_ORDER as readonly string[]).toContain(kindOf(arn).kind);
        const api = permissiveAws([{ arn, region: "us-east-1", tags: t }]);
        await reapPreviews(api, { regions: ["us-east-1"], now: NOW, olderThanMs: HOUR, delete: true, log: () => {} });
        expect(api.deleted).toEqual(EXPIRES_LABEL in t ? [arn] : []);
      }),
      { numRuns: 300 },
    );
  });
});
