/**
 * The Secrets a cloudnative-pg region gets from the stack: the application user's
 * password (kubernetes.io/basic-auth, as initdb and managed roles take it), the
 * stack's server CA (certificate only), its client CA with its key (the operator
 * signs its poolers' client certificates with it), the region's server certificate
 * and the streaming_replica client certificate. The same CAs and client certificate
 * in every region is what lets replica clusters in other Kubernetes clusters stream. Pure.
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

/** The server CA, certificate only: the operator verifies with it and signs nothing (CNPG_OPERATOR.caKeys). */
export function caSecret(topology: SelfHostedTopology, caPem: pulumi.Input<string>): k8s.core.v1.SecretArgs {
  return {
    metadata: metadata(topology, cnpgNames.caSecret(topology)),
    stringData: { "ca.crt": caPem },
  };
}

/**
 * The client CA with its key (the operator signs its poolers' certificates with it). ca.crt is the client CA and then
 * the server CA: before the two were split one CA signed everything, and the operator never re-signs its poolers'
 * certificates for a new CA (CNPG_OPERATOR.leafRenewal), so those keep being accepted. The server CA's key is in no
 * Secret, so trusting it admits nothing that reading a cluster's Secrets could mint.
 */
export function clientCaSecret(
  topology: SelfHostedTopology,
  /** pemBundle(client CA, server CA) */
  trustedPem: pulumi.Input<string>,
  keyPem: pulumi.Input<string>,
): k8s.core.v1.SecretArgs {
  return {
    metadata: metadata(topology, cnpgNames.clientCaSecret(topology)),
    stringData: { "ca.crt": trustedPem, "ca.key": keyPem },
  };
}

/** PEM blocks one after another, each ending its line. */
export function pemBundle(...pems: string[]): string {
  return pems.map((pem) => `${pem.trim()}\n`).join("");
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
