/**
 * TLS for self-hosted PostgreSQL: a private CA per stack and a server
 * certificate per region. Replicas in other regions verify the primary against
 * this CA (sslmode=verify-ca), so only this stack's primary can serve them WAL.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { SelfHostedTopology } from "../topology/types";
import { names, namespaceDomain, serviceHost } from "./conventions";

export interface ServerCertificate {
  certPem: pulumi.Output<string>;
  keyPem: pulumi.Output<string>;
  caPem: pulumi.Output<string>;
  /** When it expires (RFC 3339): what the expiry alerts count down to. */
  notAfter: pulumi.Output<string>;
}

/** A certificate the stack issued, by what it is for, and when it expires (RFC 3339). */
export interface IssuedCertificate {
  name: string;
  notAfter: pulumi.Output<string>;
}

export interface ClusterTlsArgs {
  topology: SelfHostedTopology;
}

const TEN_YEARS_H = 10 * 365 * 24;
const TWO_YEARS_H = 2 * 365 * 24;
/**
 * Any `up` in a certificate's last 90 days issues a fresh one (CERTIFICATES.earlyRenewalReplacesAtPlan): a stack
 * changed at least once a quarter never sees an expiry alert, and the first alert (30 days left,
 * monitoring/certificateRules.ts) comes two months after an `up` would already have renewed it.
 */
export const RENEW_BEFORE_H = 90 * 24;

export class ClusterTls extends pulumi.ComponentResource {
  declare readonly caPem: pulumi.Output<string>;
  /** The CA's key, for an operator that signs its own client certificates with it (CloudNativePG's poolers). */
  declare readonly caKeyPem: pulumi.Output<string>;
  private readonly certificates = new Map<string, ServerCertificate>();
  /** Every certificate issued here, the CA first: the expiry alerts watch each. */
  readonly issued: IssuedCertificate[] = [];
  private readonly ca: { keyPem: pulumi.Output<string>; certPem: pulumi.Output<string> };

  constructor(name: string, args: ClusterTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-read-replicas:kubernetes:ClusterTls", name, {}, opts);
    const { topology } = args;
    const child = { parent: this };
    const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        subject: { commonName: `${topology.name} PostgreSQL CA`, organization: "pg-read-replicas" },
        validityPeriodHours: TEN_YEARS_H,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      },
      child,
    );
    this.caPem = ca.certPem;
    this.caKeyPem = pulumi.secret(caKey.privateKeyPem);
    this.ca = { keyPem: caKey.privateKeyPem, certPem: ca.certPem };
    this.issued.push({ name: "ca", notAfter: ca.validityEndTime });

    for (const region of topology.regions) {
      const key = new tls.PrivateKey(`${name}-${region.name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
      const rw = serviceHost(names.roleService(topology, "primary"), topology.kubernetes);
      const dnsNames = [
        rw,
        serviceHost(names.roleService(topology, "oltp"), topology.kubernetes),
        `*.${namespaceDomain(topology.kubernetes)}`,
        // A wildcard matches one label only (RFC 6125; libpq too): each headless Service's pod names need their own.
        ...region.groups.map((group) => `*.${serviceHost(names.headless(group), topology.kubernetes)}`),
        ...(region.primary
          ? topology.regions.flatMap((r) => (!r.primary && r.access.primaryHost ? [r.access.primaryHost] : []))
          : []),
      ];
      const request = new tls.CertRequest(
        `${name}-${region.name}-csr`,
        { privateKeyPem: key.privateKeyPem, subject: { commonName: rw }, dnsNames },
        child,
      );
      const cert = new tls.LocallySignedCert(
        `${name}-${region.name}-cert`,
        {
          certRequestPem: request.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: TWO_YEARS_H,
          earlyRenewalHours: RENEW_BEFORE_H,
          allowedUses: ["server_auth", "digital_signature", "key_encipherment"],
        },
        child,
      );
      this.certificates.set(region.name, {
        certPem: cert.certPem,
        keyPem: pulumi.secret(key.privateKeyPem),
        caPem: ca.certPem,
        notAfter: cert.validityEndTime,
      });
      this.issued.push({ name: `server-${region.name}`, notAfter: cert.validityEndTime });
    }
    this.registerOutputs({ caPem: this.caPem });
  }

  /**
   * A client certificate for `commonName` from the same CA (PostgreSQL's cert authentication maps the CN to the role).
   */
  clientCertificate(name: string, commonName: string): ServerCertificate {
    const child = { parent: this };
    const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const request = new tls.CertRequest(
      `${name}-csr`,
      { privateKeyPem: key.privateKeyPem, subject: { commonName } },
      child,
    );
    const cert = new tls.LocallySignedCert(
      `${name}-cert`,
      {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: this.ca.keyPem,
        caCertPem: this.ca.certPem,
        validityPeriodHours: TWO_YEARS_H,
        earlyRenewalHours: RENEW_BEFORE_H,
        allowedUses: ["client_auth", "digital_signature", "key_encipherment"],
      },
      child,
    );
    this.issued.push({ name: `client-${commonName}`, notAfter: cert.validityEndTime });
    return {
      certPem: cert.certPem,
      keyPem: pulumi.secret(key.privateKeyPem),
      caPem: this.ca.certPem,
      notAfter: cert.validityEndTime,
    };
  }

  forRegion(region: string): ServerCertificate {
    const certificate = this.certificates.get(region);
    if (!certificate) throw new Error(`ClusterTls: no certificate for region ${region}`);
    return certificate;
  }
}
