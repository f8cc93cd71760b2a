/**
 * Pulumi mocks that remember everything: each registration's type, name,
 * inputs (with secrets still marked), parent, dependencies and provider.
 * The SDK's MockMonitor keeps only URN and state; the graph assertions
 * (what the verification Job waits for, which provider a region uses) need more.
 */
import { STACK_OUTPUT_KEYS } from "../../components/contract/stackOutputs";
import type { StackOutputValues } from "../../components/outputs/pulumiOutputs";
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { encodeConfigValue } from "../../components/config/rawConfig";
import { readStackConfig } from "../../components/config/stackFile";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";
import * as stateModule from "@pulumi/pulumi/runtime/state";

/** The SDK's runtime store; exported by runtime/state.js but absent from its typings. */
interface Store {
  settings: { rpcDone: Promise<unknown> };
  supportsSecrets: boolean;
  supportsResourceReferences: boolean;
  supportsOutputValues: boolean;
  supportsAliasSpecs: boolean;
  supportsTransforms: boolean;
}
const getStore = (stateModule as unknown as { getStore(): Store }).getStore;

export const PROJECT = "pg-read-replicas";

export const MOCK_LOCAL_OUTPUTS = {
  backend: "local",
  database: "app",
  user: "app",
  password: "local-secret",
  writer: { host: "127.0.0.1", port: 41001 },
  readerEndpoint: { host: "127.0.0.1", port: 41010 },
  readers: [
    { name: "pg-replica-0", region: "local", role: "oltp", host: "127.0.0.1", port: 41002, slot: "pg_replica_0" },
  ],
  pools: { write: { host: "127.0.0.1", port: 41020 }, read: { host: "127.0.0.1", port: 41021 } },
  regions: [
    {
      region: "local",
      primary: true,
      readerEndpoint: { host: "127.0.0.1", port: 41010 },
      readPool: { host: "127.0.0.1", port: 41021 },
    },
  ],
  topologyHash: "0123456789",
  verification: { timeoutMs: 120000, maxLagBytes: 104857600, maxLagMs: 5000 },
  notes: [],
};
/** What a random.RandomId resolves to under these mocks. */
export function mockRandomHex(byteLength: unknown): string {
  return "a1b2c3d4e5f6a7b8".slice(0, 2 * Number(byteLength ?? 6));
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export interface Registered {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, any>;
  /** Inputs as sent, secret values still wrapped: see isSecretValue. */
  rawInputs: Record<string, unknown>;
  parent: string;
  dependencies: string[];
  provider: string;
  ignoreChanges: string[];
  deleteBeforeReplace: boolean;
  /** The protect option: the engine neither replaces nor deletes the resource. */
  protect: boolean;
  /** Per input: the resources its value came from (what the engine's dependency graph and diffs follow). */
  propertyDependencies: Record<string, string[]>;
  /** The retainOnDelete option: the engine skips the provider's Delete when the resource leaves the program. */
  retainOnDelete: boolean;
}

/** A resource record made by hand (named "broken"), for checks that must catch a malformed object. */
export function registeredByHand(type: string, inputs: Record<string, any>): Registered {
  return {
    urn: "x",
    type,
    name: "broken",
    custom: true,
    inputs,
    rawInputs: {},
    parent: "",
    dependencies: [],
    provider: "",
    ignoreChanges: [],
    deleteBeforeReplace: false,
    protect: false,
    propertyDependencies: {},
    retainOnDelete: false,
  };
}

type Request = {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getProvider(): string;
  getCustom(): boolean;
  getIgnorechangesList(): string[];
  getDeletebeforereplace(): boolean;
  getProtect(): boolean | undefined;
  getPropertydependenciesMap(): {
    toArray(): Array<[string, unknown]>;
    get(key: string): { getUrnsList(): string[] } | undefined;
  };
  getRetainondelete(): boolean | undefined;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
};

/**
 * What reading clusters.postgresql.cnpg.io returns where CloudNativePG 1.30 is installed (only the paths the stack
 * checks).
 */
const leaf = { type: "string" };
export const INSTALLED_CNPG_CRD = {
  metadata: { name: "clusters.postgresql.cnpg.io" },
  spec: {
    versions: [
      {
        name: "v1",
        schema: {
          openAPIV3Schema: {
            properties: {
              spec: {
                properties: {
                  probes: { properties: { readiness: { properties: { type: leaf, maximumLag: leaf } } } },
                  postgresql: {
                    properties: { synchronous: { properties: { method: leaf, number: leaf, dataDurability: leaf } } },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

/**
 * Which generation of generated passwords the mocks hand out: 0 as first created; a higher one models
 * `pulumi up --replace` on every RandomPassword (a rotation).
 */
export const MOCK_PASSWORDS = { generation: 0 };

/** The private key the mocks hand a tls PrivateKey named `name`. */
export const mockKeyPem = (name: string) => `-----BEGIN PRIVATE KEY-----\nmock ${name}\n-----END PRIVATE KEY-----\n`;

/** The certificate the mocks hand a tls SelfSignedCert or LocallySignedCert named `name`. */
export const mockCertPem = (name: string) => `-----BEGIN CERTIFICATE-----\nmock ${name}\n-----END CERTIFICATE-----\n`;

/** When the mocks' certificates were issued. */
export const MOCK_ISSUED_AT = Date.UTC(2026, 0, 1);

function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      return {
        ...inputs,
        result: MOCK_PASSWORDS.generation === 0 ? `mock-${name}` : `mock-${name}-${MOCK_PASSWORDS.generation}`,
      };
    case "random:index/randomId:RandomId":
      return { ...inputs, hex: mockRandomHex(inputs.byteLength) };
    case "tls:index/privateKey:PrivateKey":
      return { ...inputs, privateKeyPem: mockKeyPem(name) };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return {
        ...inputs,
        certPem: mockCertPem(name),
        // As the provider sets it (CERTIFICATES.validityEndTime): issued at MOCK_ISSUED_AT, valid validityPeriodHours.
        validityEndTime: new Date(MOCK_ISSUED_AT + inputs.validityPeriodHours * 3_600_000).toISOString(),
      };
    case "tls:index/certRequest:CertRequest":
      return { ...inputs, certRequestPem: `mock csr ${name}` };
    case "command:local:Command":
      // What `local up --json` prints: the StackOutputs the program parses.
      return { ...inputs, stdout: JSON.stringify(MOCK_LOCAL_OUTPUTS) };
    case "aws:rds/cluster:Cluster": {
      const id = inputs.clusterIdentifier ?? `${name}-abc123`;
      return {
        ...inputs,
        clusterIdentifier: id,
        arn: `arn:aws:rds:us-east-1:111122223333:cluster:${id}`,
        endpoint: `${id}.cluster-xyz.rds.amazonaws.com`,
        readerEndpoint: `${id}.cluster-ro-xyz.rds.amazonaws.com`,
        ...(inputs.manageMasterUserPassword
          ? {
              masterUserSecrets: [
                {
                  secretArn: `arn:aws:secretsmanager:us-east-1:111122223333:secret:rds!cluster-${id}-AbCdEf`,
                  kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "",
                  secretStatus: "active",
                },
              ],
            }
          : {}),
      };
    }
    case "aws:rds/clusterInstance:ClusterInstance":
      return { ...inputs, identifier: `${name}-abc123`, endpoint: `${name}-abc123.xyz.rds.amazonaws.com` };
    case "aws:rds/clusterEndpoint:ClusterEndpoint":
      return { ...inputs, endpoint: `${inputs.clusterEndpointIdentifier}.cluster-custom-xyz.rds.amazonaws.com` };
    case "aws:rds/proxy:Proxy":
      return { ...inputs, name: `${name}-abc123`, endpoint: `${name}.proxy-xyz.rds.amazonaws.com` };
    case "aws:rds/proxyEndpoint:ProxyEndpoint":
      return { ...inputs, endpoint: `${inputs.dbProxyEndpointName}.endpoint.proxy-xyz.rds.amazonaws.com` };
    case "aws:rds/globalCluster:GlobalCluster":
    case "aws:rds/subnetGroup:SubnetGroup":
    case "aws:rds/parameterGroup:ParameterGroup":
    case "aws:rds/clusterParameterGroup:ClusterParameterGroup":
    case "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup":
      return { ...inputs, name: `${name}-abc123` };
    case "aws:secretsmanager/secret:Secret":
      return {
        ...inputs,
        name: `${name}-abc123`,
        arn: `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`,
      };
    case "aws:iam/role:Role":
      return { ...inputs, name: `${name}-abc123`, arn: `arn:aws:iam::111122223333:role/${name}-abc123` };
    case "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition":
      // A read (.get) of an installed CRD: the operator's, with the fields the stack checks for.
      return { ...inputs, ...INSTALLED_CNPG_CRD };
    case "kubernetes:core/v1:Service":
      if (inputs.spec?.type === "LoadBalancer") {
        return {
          ...inputs,
          status: { loadBalancer: { ingress: [{ hostname: `${inputs.metadata?.name}.lb.example.com` }] } },
        };
      }
      return inputs;
    default:
      return inputs;
  }
}

/** A resource the program read (Resource.get): what it checks is installed, e.g. an operator's CRD. */
export interface ReadResource {
  type: string;
  name: string;
  id: string;
}

class RecordingMonitor extends MockMonitor {
  readonly registered = new Map<string, Registered>();
  readonly reads: ReadResource[] = [];

  override async readResource(req: Request & { getId(): string }, callback: (err: unknown, res: unknown) => void) {
    this.reads.push({ type: req.getType(), name: req.getName(), id: req.getId() });
    return super.readResource(req as never, callback);
  }

  constructor() {
    super({
      newResource: (args: pulumi.runtime.MockResourceArgs) => ({
        id: `${args.name}-id`,
        state: mockState(args.type, args.name, args.inputs),
      }),
      call: (args: pulumi.runtime.MockCallArgs) =>
        args.token === "aws:secretsmanager/getSecretVersion:getSecretVersion"
          ? { ...args.inputs, secretString: JSON.stringify({ username: "app", password: "mock-managed-password" }) }
          : args.inputs,
    });
  }

  override async registerResource(req: Request, callback: (err: unknown, res: unknown) => void): Promise<void> {
    const urn = (this as unknown as { newUrn(parent: string, type: string, name: string): string }).newUrn(
      req.getParent(),
      req.getType(),
      req.getName(),
    );
    const rawInputs = req.getObject()?.toJavaScript() ?? {};
    this.registered.set(urn, {
      urn,
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      inputs: unwrapSecrets(rawInputs) as Record<string, any>,
      rawInputs,
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
      provider: req.getProvider(),
      ignoreChanges: req.getIgnorechangesList(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      protect: req.getProtect() ?? false,
      propertyDependencies: propertyDependencies(req),
      retainOnDelete: req.getRetainondelete() === true,
    });
    return super.registerResource(req as never, callback);
  }
}

function propertyDependencies(req: Request): Record<string, string[]> {
  const map = req.getPropertydependenciesMap();
  return Object.fromEntries(map.toArray().map(([key]) => [key, map.get(key)?.getUrnsList() ?? []]));
}

function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** True when a raw input value was sent as a Pulumi secret. */
export function isSecretValue(raw: unknown): boolean {
  return Boolean(raw && typeof raw === "object" && (raw as Record<string, unknown>)[SIG_KEY] === SECRET_SIG);
}

let monitor: RecordingMonitor;

export function installMocks(stack = "test"): void {
  monitor = new RecordingMonitor();
  setMockOptions(monitor, PROJECT, stack, false);
  const store = getStore();
  store.supportsSecrets = true;
  store.supportsResourceReferences = true;
  store.supportsOutputValues = false;
  store.supportsAliasSpecs = true;
  store.supportsTransforms = false;
}

/** Waits until every outstanding registration has completed. */
export async function settle(): Promise<void> {
  const settings = getStore().settings;
  let previous: Promise<unknown>;
  do {
    previous = settings.rpcDone;
    await previous;
    await new Promise((resolve) => setImmediate(resolve));
  } while (settings.rpcDone !== previous);
}

export function registered(): Registered[] {
  return [...monitor.registered.values()];
}

export function readResources(): ReadResource[] {
  return [...monitor.reads];
}

export function setStackConfig(config: Record<string, string>, secretKeys: string[] = []): void {
  pulumi.runtime.setAllConfig(config, secretKeys);
}

/** Resolves an Output's value (and whether it is secret) under mocks. */
export async function resolve<T>(output: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
  const value = await new Promise<T>((done) => output.apply((v) => done(v)));
  const secret = await pulumi.isSecret(output);
  return { value, secret };
}

export interface ProgramRun {
  program: StackOutputValues;
  resources: Registered[];
  /** Resources read, not created (Resource.get). */
  reads: ReadResource[];
}

/**
 * Runs the Pulumi program with a stack file's config, as the CLI would pass it; `patch`
 * replaces whole keys (a per-change stack is its template's config plus changeId and labels),
 * or, as a function, edits the config.
 */
export async function runProgram(
  stack: string,
  patch: Record<string, string> | ((config: Record<string, string>) => Record<string, string>) = {},
  stackName = stack,
): Promise<ProgramRun> {
  const config = readStackConfig("stacks", stack);
  return runWithConfig(typeof patch === "function" ? patch(config) : { ...config, ...patch }, stackName);
}

/**
 * Stack config as YAML would give it (any key, any value) to "pg-read-replicas:<key>" → string, as the CLI passes it.
 */
export function pulumiConfigOf(raw: Record<string, unknown>): Record<string, string> {
  const given = Object.entries(raw).filter(([, value]) => value !== undefined);
  return Object.fromEntries(given.map(([key, value]) => [`${PROJECT}:${key}`, encodeConfigValue(value)]));
}

/**
 * The program assigns the contract's keys to CommonJS exports; vitest hands them over as the
 * module's members (plus `default`, the exports object itself). Anything else exported, or a
 * key missing, is a break of the contract.
 */
function programExports(module: object): StackOutputValues {
  const exported = Object.keys(module).filter((key) => key !== "default");
  if (exported.join() !== STACK_OUTPUT_KEYS.join())
    throw new Error(
      `the program exports ${exported.join(", ")}; the contract's keys are ${STACK_OUTPUT_KEYS.join(", ")}`,
    );
  return Object.fromEntries(
    STACK_OUTPUT_KEYS.map((key) => [key, (module as Record<string, unknown>)[key]]),
  ) as StackOutputValues;
}

/** Runs the Pulumi program with exactly this config ("pg-read-replicas:<key>" → string), no stack file involved. */
export async function runWithConfig(config: Record<string, string>, stackName: string): Promise<ProgramRun> {
  installMocks(stackName);
  setStackConfig(config);
  vi.resetModules();
  const program = programExports(await import("../../infra/index.js"));
  await settle();
  return { program, resources: registered(), reads: readResources() };
}
