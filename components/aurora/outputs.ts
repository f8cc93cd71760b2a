/** StackOutputs for Aurora, from the endpoints AWS assigns. */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type Endpoint, type Reader, type StackOutputs } from "../contract/stackOutputs";
import { auroraTls } from "./endpointTls";
import { type StackOutputValues, toOutputValues } from "../outputs/pulumiOutputs";
import { commonOutputs } from "../outputs/commonOutputs";
import type { AuroraTopology, DatabaseNode } from "../topology/types";
import type { AppRole } from "./appRoleStep";
import type { CustomEndpoints } from "./customEndpoints";
import { auroraNotes } from "./notes";
import type { Instance } from "./primaryInstances";
import type { AuroraProxy } from "./proxy";
import type { AuroraSecondaryRegion } from "./secondaryRegion";

export interface CreatedEndpoints {
  writer: pulumi.Input<string>;
  /** OLTP readers only: the custom endpoint excluding the OLAP reader, or the cluster's reader endpoint. */
  oltpReader: pulumi.Input<string>;
  olap?: pulumi.Input<string>;
  /** readOnly in aurora.proxy.mode readWrite only. */
  proxy?: { write: pulumi.Input<string>; readOnly?: pulumi.Input<string> };
  instances: ReadonlyArray<{ node: DatabaseNode; identifier: pulumi.Input<string>; endpoint: pulumi.Input<string> }>;
  secondaries: ReadonlyArray<{
    region: string;
    readerEndpoint: pulumi.Input<string>;
    readers: ReadonlyArray<{ identifier: pulumi.Input<string>; endpoint: pulumi.Input<string> }>;
  }>;
  /** The master user's secret (RDS's, or the product's): where administration finds the password. */
  masterSecretArn?: pulumi.Input<string>;
}

type At = (host: pulumi.Input<string>) => pulumi.Output<Endpoint>;

/** Every reader: the primary region's (the writer left out), then each secondary's, all OLTP. */
function readersOf(topology: AuroraTopology, created: CreatedEndpoints): pulumi.Output<Reader>[] {
  const reader = (
    identifier: pulumi.Input<string>,
    endpoint: pulumi.Input<string>,
    region: string,
    role: Reader["role"],
  ): pulumi.Output<Reader> =>
    pulumi.all([identifier, endpoint]).apply(([name, host]) => ({ name, region, role, host, port: topology.port }));
  return [
    ...created.instances.flatMap(({ node, identifier, endpoint }) =>
      node.role === "primary" ? [] : [reader(identifier, endpoint, topology.region, node.role)],
    ),
    ...created.secondaries.flatMap((s) => s.readers.map((r) => reader(r.identifier, r.endpoint, s.region, "oltp"))),
  ];
}

/** The primary region with its reader endpoint and read pool; each secondary reads through its reader endpoint. */
function regionsOf(
  topology: AuroraTopology,
  created: CreatedEndpoints,
  primary: { readerEndpoint: pulumi.Output<Endpoint>; readPool: pulumi.Output<Endpoint> },
  at: At,
) {
  return pulumi.all([
    pulumi.all([primary.readerEndpoint, primary.readPool]).apply(([endpoint, pool]) => ({
      region: topology.region,
      primary: true,
      readerEndpoint: endpoint,
      readPool: pool,
    })),
    ...created.secondaries.map((s) =>
      at(s.readerEndpoint).apply((endpoint) => ({
        region: s.region,
        primary: false,
        readerEndpoint: endpoint,
        readPool: endpoint,
      })),
    ),
  ]);
}

/** Writes through the proxy when there is one; the OLAP pool is the OLAP reader's own endpoint. */
function poolsOf(created: CreatedEndpoints, readPool: pulumi.Output<Endpoint>, at: At) {
  return pulumi
    .all([
      at(created.proxy ? created.proxy.write : created.writer),
      readPool,
      created.olap !== undefined ? at(created.olap) : undefined,
    ])
    .apply(([write, read, olap]) => ({ write, read, ...(olap ? { olap } : {}) }));
}

/** Every host the outputs name, with what it demands and the bundle that verifies it. */
function tlsOf(topology: AuroraTopology, created: CreatedEndpoints, pools: pulumi.Output<StackOutputs["pools"]>) {
  const hosts = (inputs: ReadonlyArray<pulumi.Input<string>>) => pulumi.all([...inputs]);
  const cluster = hosts([
    created.writer,
    created.oltpReader,
    ...(created.olap !== undefined ? [created.olap] : []),
    ...created.instances.map((i) => i.endpoint),
    ...created.secondaries.flatMap((s) => [s.readerEndpoint, ...s.readers.map((r) => r.endpoint)]),
  ]);
  const proxy = hosts(
    created.proxy
      ? [created.proxy.write, ...(created.proxy.readOnly !== undefined ? [created.proxy.readOnly] : [])]
      : [],
  );
  return pulumi
    .all([cluster, proxy, pools])
    .apply(([c, p, { write, read, olap }]) =>
      auroraTls(topology, { cluster: c, proxy: p, pools: [write.host, read.host, ...(olap ? [olap.host] : [])] }),
    );
}

/** The outputs log in as the application role (`app`), never as the master user. */
export function auroraStackOutputs(
  topology: AuroraTopology,
  created: CreatedEndpoints,
  app: Pick<AppRole, "user" | "password">,
): StackOutputValues {
  const at: At = (host) => pulumi.output(host).apply((h) => ({ host: h, port: topology.port }));
  const readerEndpoint = at(created.oltpReader);
  // With an OLAP reader, the proxy's READ_ONLY endpoint would reach it too: reads use the OLTP endpoint. Without a
  // READ_ONLY endpoint (aurora.proxy.mode writeOnly or none), reads use it as well.
  const proxyReads = created.olap === undefined ? created.proxy?.readOnly : undefined;
  const readPool = proxyReads !== undefined ? at(proxyReads) : readerEndpoint;
  const common = commonOutputs(topology);
  return toOutputValues(
    {
      ...common,
      user: app.user,
      capacity: pulumi.output(common.capacity),
      backup: pulumi.output(common.backup),
      backend: "aurora",
      writer: at(created.writer),
      readerEndpoint,
      readers: pulumi.all(readersOf(topology, created)),
      pools: poolsOf(created, readPool, at),
      regions: regionsOf(topology, created, { readerEndpoint, readPool }, at),
      notes: pulumi
        .all([created.proxy?.readOnly, created.masterSecretArn])
        .apply(([readOnly, masterSecretArn]) =>
          auroraNotes(topology, { proxyReadOnlyEndpoint: readOnly, masterSecretArn }),
        ),
      tls: tlsOf(topology, created, poolsOf(created, readPool, at)),
    },
    app.password,
  );
}

export interface CreatedResources {
  cluster: aws.rds.Cluster;
  masterSecretArn: pulumi.Input<string>;
  instances: readonly Instance[];
  endpoints: CustomEndpoints | undefined;
  proxy: AuroraProxy | undefined;
  secondaries: readonly AuroraSecondaryRegion[];
}

/** The endpoints AWS assigned to what the component created. */
function endpointsOf(created: CreatedResources): CreatedEndpoints {
  const { cluster, endpoints, proxy } = created;
  return {
    writer: cluster.endpoint,
    oltpReader: endpoints ? endpoints.oltp.endpoint : cluster.readerEndpoint,
    ...(endpoints ? { olap: endpoints.olap.endpoint } : {}),
    ...(proxy
      ? { proxy: { write: proxy.proxy.endpoint, ...(proxy.readOnly ? { readOnly: proxy.readOnly.endpoint } : {}) } }
      : {}),
    instances: created.instances.map((i) => ({
      node: i.node,
      identifier: i.resource.identifier,
      endpoint: i.resource.endpoint,
    })),
    secondaries: created.secondaries.map((s) => ({
      region: s.region,
      readerEndpoint: s.cluster.readerEndpoint,
      readers: s.readers.map((r) => ({ identifier: r.identifier, endpoint: r.endpoint })),
    })),
    masterSecretArn: created.masterSecretArn,
  };
}

export function createOutputs(
  topology: AuroraTopology,
  created: CreatedResources,
  app: Pick<AppRole, "user" | "password">,
): StackOutputValues {
  return auroraStackOutputs(topology, endpointsOf(created), app);
}
