/**
 * How a running pod learns its own labels: a downward API volume, which the kubelet rewrites when the labels change
 * (an environment variable keeps its value from the container's start). The readiness probe of a database pod that
 * may be the writer reads the role it is labelled to serve in this way (render/probes.ts).
 */
import { cite, fact } from "../fact";

export const DOWNWARD_API = {
  /** `metadata.labels` in a downwardAPI volume: one `key="value"` line per label, updated in place. */
  labelsVolumeUpdated: fact(
    { format: 'key="value"', updated: true },
    cite(
      "downwardApiDocs",
      "#downwardapi-fieldRef",
      "metadata.labels is available only through a downwardAPI volume, 'formatted as label-key=\"escaped-label-value\" with one label per line'; the kubelet updates the files when the labels change",
    ),
  ),
  /** A role label the database agent (here the failover) sets on its pod and Services select on, as in Patroni. */
  roleLabelSelectedByServices: fact(
    { writer: "master", standby: "replica" },
    cite(
      "patroniKubernetes",
      undefined,
      "Patroni's kubernetes mode labels the leader's pod role=master and the others role=replica; the Services select on the label",
    ),
  ),
} as const;
