/**
 * The Secrets a cloudnative-pg region gets from the stack: the application user's
 * password (kubernetes.io/basic-auth, as initdb and managed roles take it), the
 * stack's CA with its key (server and client CA: the operator signs its poolers'
 * client certificates with it), the region's server certificate and the
 * streaming_replica client certificate. The same CA and client certificate in
 * every region is what lets replica clusters in other Kubernetes clusters stream. Pure.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { SelfHostedTopology } from "../../topology/types";
import type { ServerCertificate } from "../clusterTls";
import { baseLabels } from "../conventions";
import { cnpgNames } from "./plan";

function metadata(topology: SelfHostedTopology, name: string) {
  // cnpg.io/reload: the instances reload a changed certificate or password without a restart.
  return {
    name,
    namespace: topology.kubernetes.namespace,
    labels: { ...baseLabels(topology, "postgresql"), "cnpg.io/reload": "true" },
  };
}

export function appUserSecret(topology: SelfHostedTopology, password: pulumi.Input<string>): k8s.core.v1.SecretArgs {
  return {
    metadata: metadata(topology, cnpgNames.appSecret(topology)),
    type: "kubernetes.io/basic-auth",
    stringData: { username: topology.user, password },
  };
}

export function caSecret(
  topology: SelfHostedTopology,
  caPem: pulumi.Input<string>,
  caKeyPem: pulumi.Input<string>,
): k8s.core.v1.SecretArgs {
  return {
    metadata: metadata(topology, cnpgNames.caSecret(topology)),
    stringData: { "ca.crt": caPem, "ca.key": caKeyPem },
  };
}

export function certificateSecret(
  topology: SelfHostedTopology,
  name: string,
  certificate: ServerCertificate,
): k8s.core.v1.SecretArgs {
  return {
    metadata: metadata(topology, name),
    type: "kubernetes.io/tls",
    stringData: { "tls.crt": certificate.certPem, "tls.key": certificate.keyPem, "ca.crt": certificate.caPem },
  };
}
