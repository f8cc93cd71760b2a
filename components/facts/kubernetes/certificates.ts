/** How certificates renew (@pulumi/tls) and how the servers take a renewed one, each with its source. */
import { cite, fact } from "../fact";

const COMMON_CERT =
  "pkg/pf/tests/internal/tlsshim/vendor/github.com/hashicorp/terraform-provider-tls/internal/provider/common_cert.go";

export const CERTIFICATES = {
  /**
   * A LocallySignedCert or SelfSignedCert is replaced (a new key pair's certificate, a new validity period) by the
   * first `up` whose plan runs at or after validity_end_time − early_renewal_hours; nothing renews it without an `up`.
   */
  earlyRenewalReplacesAtPlan: fact(
    true,
    cite(
      "terraformProviderTls",
      `${COMMON_CERT}: modifyPlanIfCertificateReadyForRenewal`,
      "earlyRenewalTime := validityEndTime.Add(-earlyRenewalHours); if earlyRenewalTime.Sub(now) <= 0 → ready_for_renewal unknown and RequiresReplace",
    ),
  ),
  /** validity_end_time is NotBefore (the time of creation) + validity_period_hours, in RFC 3339. */
  validityEndTime: fact(
    "RFC3339",
    cite(
      "terraformProviderTls",
      `${COMMON_CERT}: createCertificate`,
      "template.NotAfter = NotBefore.Add(validityPeriodHours); validityEndTime: NotAfter.MarshalText()",
    ),
  ),
  /** PostgreSQL re-reads ssl_cert_file, ssl_key_file and ssl_ca_file on a configuration reload (SIGHUP). */
  postgresReloadsTlsFiles: fact(
    true,
    cite(
      "sslTcpDocs",
      "Server Files",
      "the files (server.key, server.crt, root.crt, root.crl or their configured names) are only examined during server start and when the server configuration is reloaded",
    ),
  ),
};
