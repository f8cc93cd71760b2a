/** StackOutputs on the statefulset engine: in-cluster DNS names of Services and pods. */
import type { Endpoint, PlainOutputs } from "../../contract/stackOutputs";
import { commonOutputs } from "../../outputs/commonOutputs";
import { groupOf, servingStandbys } from "../../topology/queries";
import type { SelfHostedTopology } from "../../topology/types";
import { POOL_SERVICE_PORT, names, podHost, serviceHost } from "../conventions";

export function statefulsetStackOutputs(topology: SelfHostedTopology): PlainOutputs {
  const endpoint = (service: string, port = topology.port): Endpoint => ({
    host: serviceHost(service, topology.kubernetes),
    port,
  });
  const poolEndpoint = (service: string) => endpoint(service, POOL_SERVICE_PORT);
  const { write, read, olap } = topology.pools;
  const readerEndpoint = endpoint(names.roleService(topology, "oltp"));
  return {
    ...commonOutputs(topology),
    backend: "selfHosted",
    writer: endpoint(names.roleService(topology, "primary")),
    readerEndpoint,
    readers: servingStandbys(topology).map((node) => ({
      name: node.name,
      region: node.region,
      role: node.role,
      host: podHost(node.name, groupOf(topology, node), topology.kubernetes),
      port: topology.port,
      slot: node.slot,
    })),
    pools: {
      write: poolEndpoint(write.service),
      read: poolEndpoint(read.service),
      ...(olap ? { olap: poolEndpoint(olap.service) } : {}),
    },
    regions: topology.regions.map((region) => ({
      region: region.name,
      primary: region.primary,
      readerEndpoint,
      readPool: poolEndpoint(region.pools.find((p) => p.name === "read")?.service ?? read.service),
    })),
    notes: [],
    tls: { required: topology.access.requireTls },
  };
}
