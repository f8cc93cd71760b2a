/**
 * TLS for self-hosted PostgreSQL: a private CA per stack and a server
 * certificate per region, naming every host clients and standbys dial. With TLS
 * required they verify it against this CA and the name (sslmode=verify-full;
 * across regions verify-ca when the primary's address is a load balancer's,
 * known only after the certificate), so only this stack's servers serve them.
 * Client certificates (CloudNativePG's streaming_replica) come from a second CA,
 * made only when one is asked for: its key goes where an operator signs client
 * certificates of its own, and cannot mint a server certificate.
 */
import { isIP } from "node:net";
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

/** A CA's certificate and key. */
export interface Authority {
  certPem: pulumi.Output<string>;
  keyPem: pulumi.Output<string>;
}

export class ClusterTls extends pulumi.ComponentResource {
  /** The server CA: what clients and replicas verify servers against. Its key stays in the stack's state. */
  declare readonly caPem: pulumi.Output<string>;
  private readonly certificates = new Map<string, ServerCertificate>();
  private readonly poolCertificates = new Map<string, ServerCertificate>();
  /** Every certificate issued here, the CA first: the expiry alerts watch each. */
  readonly issued: IssuedCertificate[] = [];
  private readonly ca: Authority;
  private readonly stack: string;
  private readonly name: string;
  private clientCa: Authority | undefined;

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
    this.ca = { keyPem: caKey.privateKeyPem, certPem: ca.certPem };
    this.stack = topology.name;
    this.name = name;
    this.issued.push({ name: "ca", notAfter: ca.validityEndTime });

    for (const region of topology.regions) {
      const rw = serviceHost(names.roleService(topology, "primary"), topology.kubernetes);
      const hosts = [
        rw,
        serviceHost(names.roleService(topology, "oltp"), topology.kubernetes),
        `*.${namespaceDomain(topology.kubernetes)}`,
        // A wildcard matches one label only (RFC 6125; libpq too): each headless Service's pod names need their own.
        ...region.groups.map((group) => `*.${serviceHost(names.headless(group), topology.kubernetes)}`),
        ...(region.primary
          ? topology.regions.flatMap((r) => (!r.primary && r.access.primaryHost ? [r.access.primaryHost] : []))
          : []),
      ];
      this.certificates.set(region.name, this.issue(`${name}-${region.name}`, `server-${region.name}`, rw, hosts));
      // The statefulset engine's pools present a certificate of their own, naming their Services only: a pool pod
      // holds no key a database server uses, and its key cannot pass for the rw Service or a database pod.
      if (topology.kubernetes.engine.name === "statefulset") {
        const poolHosts = region.pools.map((pool) => serviceHost(pool.service, topology.kubernetes));
        this.poolCertificates.set(
          region.name,
          this.issue(`${name}-${region.name}-pools`, `pools-${region.name}`, poolHosts[0]!, poolHosts),
        );
      }
    }
    this.registerOutputs({ caPem: this.caPem });
  }

  /** A key and a server certificate from the server CA for these hosts (addresses as IP SANs, names as DNS SANs). */
  private issue(resource: string, issuedAs: string, commonName: string, hosts: readonly string[]): ServerCertificate {
    const child = { parent: this };
    const key = new tls.PrivateKey(`${resource}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    // Clients checking a host given as an address look only at IP SANs (RFC 6125 §3.1.3.2 via Node's
    // checkServerIdentity; libpq since PostgreSQL 14).
    const ipAddresses = hosts.filter((host) => isIP(host) !== 0);
    const dnsNames = hosts.filter((host) => isIP(host) === 0);
    const request = new tls.CertRequest(
      `${resource}-csr`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName },
        dnsNames,
        ...(ipAddresses.length > 0 ? { ipAddresses } : {}),
      },
      child,
    );
    const cert = new tls.LocallySignedCert(
      `${resource}-cert`,
      {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: this.ca.keyPem,
        caCertPem: this.ca.certPem,
        validityPeriodHours: TWO_YEARS_H,
        earlyRenewalHours: RENEW_BEFORE_H,
        allowedUses: ["server_auth", "digital_signature", "key_encipherment"],
      },
      child,
    );
    this.issued.push({ name: issuedAs, notAfter: cert.validityEndTime });
    return {
      certPem: cert.certPem,
      keyPem: pulumi.secret(key.privateKeyPem),
      caPem: this.ca.certPem,
      notAfter: cert.validityEndTime,
    };
  }

  /**
   * The client CA, made on first use: it signs client certificates only, so its key can sit where an operator signs
   * its own (CloudNativePG's poolers) without letting anyone who reads it mint a server certificate.
   */
  clientAuthority(): Authority {
    if (this.clientCa) return this.clientCa;
    const child = { parent: this };
    const key = new tls.PrivateKey(`${this.name}-client-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
    const cert = new tls.SelfSignedCert(
      `${this.name}-client-ca`,
      {
        privateKeyPem: key.privateKeyPem,
        isCaCertificate: true,
        subject: { commonName: `${this.stack} PostgreSQL client CA`, organization: "pg-read-replicas" },
        validityPeriodHours: TEN_YEARS_H,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      },
      child,
    );
    this.issued.push({ name: "client-ca", notAfter: cert.validityEndTime });
    this.clientCa = { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
    return this.clientCa;
  }

  /** A client certificate for `commonName` from the client CA (cert authentication maps the CN to the role). */
  clientCertificate(name: string, commonName: string): ServerCertificate {
    const child = { parent: this };
    const authority = this.clientAuthority();
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
        caPrivateKeyPem: authority.keyPem,
        caCertPem: authority.certPem,
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
      caPem: authority.certPem,
      notAfter: cert.validityEndTime,
    };
  }

  /** The statefulset engine's pools of a region: their own certificate and key. */
  forRegionPools(region: string): ServerCertificate {
    const certificate = this.poolCertificates.get(region);
    if (!certificate) throw new Error(`ClusterTls: no pool certificate for region ${region}`);
    return certificate;
  }

  forRegion(region: string): ServerCertificate {
    const certificate = this.certificates.get(region);
    if (!certificate) throw new Error(`ClusterTls: no certificate for region ${region}`);
    return certificate;
  }
}
