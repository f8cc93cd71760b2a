/**
 * The kinds of change a user makes to a running stack, each as an edit of an example stack's config (Pulumi's flat
 * `pg-read-replicas:<key>` → text, as `readStackConfig` gives it). A change is the step from `before` (the example,
 * perhaps edited so the change has something to do) to `after` (the example with the change's own edit); a change
 * that has no config key on a backend is absent there.
 */
export type Backend = "local" | "statefulset" | "cloudnative-pg" | "aurora";
export const BACKENDS: readonly Backend[] = ["local", "statefulset", "cloudnative-pg", "aurora"];

/** The example stack each backend's table starts from. */
export const BASE_STACK: Record<Backend, string> = {
  local: "local",
  statefulset: "staging",
  "cloudnative-pg": "prod-cnpg",
  aurora: "aurora-prod",
};

export type StackConfig = Record<string, string>;
export type Edit = (config: StackConfig) => void;

export interface Step {
  before?: Edit;
  after: Edit;
  /** Not a config edit: `pulumi up --replace` on every generated password (RandomPassword). */
  rotatePasswords?: true;
}

export interface ChangeKind {
  label: string;
  steps: Partial<Record<Backend, Step>>;
}

const KEY = (key: string) => `pg-read-replicas:${key}`;

export function read(config: StackConfig, key: string): any {
  const text = config[KEY(key)];
  if (text === undefined) return undefined;
  return /^[[{]/.test(text) ? JSON.parse(text) : text;
}

export function write(config: StackConfig, key: string, value: unknown): void {
  if (value === undefined) delete config[KEY(key)];
  else config[KEY(key)] = typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Sets `path` (dotted) inside the object at `key`, creating what is missing. */
function writeIn(config: StackConfig, key: string, path: string, value: unknown): void {
  const root = read(config, key) ?? {};
  const parts = path.split(".");
  let node = root;
  for (const part of parts.slice(0, -1)) node = node[part] ??= {};
  node[parts.at(-1)!] = value;
  write(config, key, root);
}

/** A replica count instead of capacity, so the count is what changes. */
const replicas =
  (count: number): Edit =>
  (c) => {
    write(c, "capacity", undefined);
    write(c, "replicas", count);
  };
const olap =
  (enabled: boolean): Edit =>
  (c) =>
    writeIn(c, "olap", "enabled", enabled);
const withoutCrossRegion: Edit = (c) => {
  write(c, "crossRegion", undefined);
  if (read(c, "olap")?.region !== undefined) writeIn(c, "olap", "region", read(c, "region"));
};
const tls =
  (on: boolean): Edit =>
  (c) =>
    write(c, "requireTls", on);
const everyWhere = <T>(backends: Backend[], step: T) => Object.fromEntries(backends.map((b) => [b, step]));
const SELF_HOSTED: Backend[] = ["local", "statefulset", "cloudnative-pg"];
const ALL: Backend[] = [...BACKENDS];

const reloadable: Edit = (c) => {
  writeIn(c, "postgresql", "primary.work_mem", "48MB");
  writeIn(c, "postgresql", "replica.work_mem", "48MB");
};
/** max_connections is postmaster-context, and standbys must have at least the primary's. */
const moreConnections: Edit = (c) =>
  writeIn(c, "postgresql", "maxConnections", Number(read(c, "postgresql")?.maxConnections ?? 200) + 50);
const doubledMemory: Edit = (c) => {
  const resources = read(c, "resources") ?? {};
  for (const role of ["primary", "replica", "olap"]) {
    const memory = resources[role]?.memory ?? (role === "olap" ? "4Gi" : "2Gi");
    const [, amount, unit] = /^(\d+)(\w+)$/.exec(memory)!;
    resources[role] = { ...resources[role], memory: `${Number(amount) * 2}${unit}` };
  }
  write(c, "resources", resources);
};
const largerInstances: Edit = (c) => {
  const larger = (cls: string) => cls.replace(/\.(\d*)x?large$/, (_m, n: string) => `.${Number(n || 1) * 2}xlarge`);
  const classes = read(c, "aurora").instanceClass;
  writeIn(
    c,
    "aurora",
    "instanceClass",
    Object.fromEntries(Object.entries(classes).map(([k, v]) => [k, larger(v as string)])),
  );
};

export const CHANGE_KINDS: ChangeKind[] = [
  { label: "a replica added", steps: everyWhere(ALL, { before: replicas(2), after: replicas(3) }) },
  { label: "a replica removed", steps: everyWhere(ALL, { before: replicas(2), after: replicas(1) }) },
  { label: "OLAP replica turned on", steps: everyWhere(ALL, { before: olap(false), after: olap(true) }) },
  { label: "OLAP replica turned off", steps: everyWhere(ALL, { before: olap(true), after: olap(false) }) },
  { label: "a reloadable setting (work_mem)", steps: everyWhere(ALL, { after: reloadable }) },
  { label: "a restart setting (max_connections)", steps: everyWhere(ALL, { after: moreConnections }) },
  {
    label: "memory",
    steps: { ...everyWhere(SELF_HOSTED, { after: doubledMemory }), aurora: { after: largerInstances } },
  },
  {
    label: "pool sizes",
    steps: {
      ...everyWhere(SELF_HOSTED, { after: (c: StackConfig) => writeIn(c, "pgbouncer", "defaultPoolSize", 31) }),
      aurora: { after: (c) => writeIn(c, "aurora", "proxy.maxConnectionsPercent", 70) },
    },
  },
  { label: "labels", steps: everyWhere(ALL, { after: (c: StackConfig) => write(c, "labels", { team: "payments" }) }) },
  {
    label: "TLS required",
    steps: everyWhere(["statefulset", "cloudnative-pg", "aurora"], { before: tls(false), after: tls(true) }),
  },
  {
    label: "passwords rotated",
    steps: everyWhere(["statefulset", "cloudnative-pg", "aurora"], { after: () => undefined, rotatePasswords: true }),
  },
  {
    label: "image minor version",
    steps: {
      statefulset: {
        before: (c) => writeIn(c, "kubernetes", "images.postgres", "postgres:15.14-bookworm"),
        after: (c) => writeIn(c, "kubernetes", "images.postgres", "postgres:15.15-bookworm"),
      },
      "cloudnative-pg": {
        before: (c) =>
          writeIn(c, "kubernetes", "images.postgres", "ghcr.io/cloudnative-pg/postgresql:15.14-system-trixie"),
        after: (c) =>
          writeIn(c, "kubernetes", "images.postgres", "ghcr.io/cloudnative-pg/postgresql:15.15-system-trixie"),
      },
      aurora: { after: (c) => writeIn(c, "aurora", "engineVersion", "16.9") },
    },
  },
  {
    label: "major version",
    steps: {
      ...everyWhere(SELF_HOSTED, { after: (c: StackConfig) => write(c, "postgresVersion", 16) }),
      aurora: {
        after: (c) => {
          write(c, "postgresVersion", 17);
          writeIn(c, "aurora", "engineVersion", "17.4");
        },
      },
    },
  },
  {
    label: "backups turned on",
    steps: {
      local: { after: (c) => writeIn(c, "backup", "enabled", true) },
      statefulset: {
        after: (c) => write(c, "backup", { enabled: true, repository: "pvc://pg-archive" }),
      },
      "cloudnative-pg": {
        after: (c) =>
          write(c, "backup", {
            enabled: true,
            repository: "s3://acme-pg/prod/orders",
            s3: { secretName: "pg-backup-keys" },
          }),
      },
      aurora: { after: (c) => writeIn(c, "backup", "enabled", true) },
    },
  },
  {
    label: "a region added",
    steps: {
      statefulset: {
        after: (c) =>
          write(c, "crossRegion", [
            { region: "eu-west-1", replicas: 1, context: "eu-cluster", cidrs: ["10.20.0.0/16"] },
          ]),
      },
      "cloudnative-pg": { before: withoutCrossRegion, after: () => undefined },
      aurora: { before: withoutCrossRegion, after: () => undefined },
    },
  },
];
