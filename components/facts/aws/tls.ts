/**
 * Which certificate each kind of Aurora endpoint serves, and so which CA bundle
 * verifies it. The cluster's own endpoints (writer, reader, custom, instance)
 * serve certificates from the RDS CAs; RDS Proxy serves an ACM certificate
 * that chains to Amazon Trust Services' roots (Amazon Root CA 1), which the
 * RDS bundle does not hold, and which every common system trust store does.
 */
import { type Fact, cite, fact } from "../fact";

export interface CaBundle {
  /** What the bundle is called, for messages and outputs. */
  name: string;
  /** Where to download it (public). */
  url: string;
  /** Whether the usual system and Node.js trust stores already hold its root. */
  inSystemStores: boolean;
}

export const RDS_CA_BUNDLE: Fact<CaBundle> = fact(
  {
    name: "RDS CA global bundle",
    url: "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem",
    inSystemStores: false,
  },
  cite("rdsCaBundle", "Certificate bundles for all AWS Regions"),
);

export const PROXY_CA_BUNDLE: Fact<CaBundle> = fact(
  {
    name: "Amazon Root CA 1 (Amazon Trust Services)",
    url: "https://www.amazontrust.com/repository/AmazonRootCA1.pem",
    inSystemStores: true,
  },
  cite(
    "proxyTls",
    "Using TLS/SSL with RDS Proxy",
    "RDS Proxy uses certificates from ACM; VERIFY_CA/VERIFY_IDENTITY take the Amazon Root CA 1 trust store",
  ),
  cite("rdsCaBundle", "note", "If you are using RDS Proxy, you don't need to download Amazon RDS certificates"),
);

/** A proxy with RequireTLS refuses plain-text clients; the cluster's endpoints do so under rds.force_ssl = 1. */
export const PROXY_REQUIRE_TLS_REFUSES_PLAIN_TEXT: Fact<boolean> = fact(true, cite("proxyTls"));
