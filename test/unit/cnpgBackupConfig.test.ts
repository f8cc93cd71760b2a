/**
 * The cloudnative-pg engine's admission of backup and restore (issue 22): what the Barman Cloud plugin cannot do is
 * refused with the key, the value and the fix before anything is created; and the plugin prerequisite's messages
 * (missing plugin, missing cert-manager) name what to install.
 */
import { describe, expect, it } from "vitest";
import { topologyFromConfig } from "../../components/pipeline/loadTopology";
import { BARMAN_PLUGIN } from "../../components/facts/backup";
import { certManagerProblem, pluginCrdProblem } from "../../components/kubernetes/cnpg/barmanPluginInstall";
import { cnpgConfig, refusalMessage } from "../support/configs";

const s3Backup = { enabled: true, repository: "s3://acme-pg/prod/orders", s3: { secretName: "pg-backup-keys" } };

describe("cloudnative-pg backup admission", () => {
  it("accepts an s3 backup and a restore into a repository of its own", () => {
    const { topology } = topologyFromConfig(
      cnpgConfig({
        backup: { ...s3Backup, repository: "s3://acme-pg/prod/orders-2" },
        restore: { from: "s3://acme-pg/prod/orders", targetTime: "2026-12-06T05:40:00Z" },
      }),
    );
    expect(topology.backup).toMatchObject({ tool: "barmanCloud", serverName: "orders-2" });
    expect(topology.restore).toMatchObject({ source: "repository", stanza: "orders" });
  });

  it("refuses a count retention: the plugin keeps a recovery window", () => {
    const message = refusalMessage(cnpgConfig({ backup: { ...s3Backup, retention: "2" } }));
    expect(message).toContain("backup.retention = 2");
    expect(message).toContain("recovery window");
    expect(message).toContain("14d");
    expect(new RegExp(BARMAN_PLUGIN.retentionPattern.value).test("2")).toBe(false);
  });

  it("refuses a restore without the bucket's keys", () => {
    const message = refusalMessage(cnpgConfig({ restore: { from: "s3://acme-pg/prod/orders", latest: true } }));
    expect(message).toContain("restore.s3.secretName = (not set)");
    expect(message).toContain("reads the source bucket with those keys");
  });

  it("refuses installing the operator outside cnpg-system with backup: the plugin's manifest installs there", () => {
    const message = refusalMessage(
      cnpgConfig({
        backup: s3Backup,
        kubernetes: {
          namespace: "pg-test",
          engine: "cloudnative-pg",
          cloudnativePg: { installOperator: true, operatorNamespace: "operators" },
        },
      }),
    );
    expect(message).toContain(`kubernetes.cloudnativePg.operatorNamespace = "operators"`);
    expect(message).toContain(BARMAN_PLUGIN.installNamespace.value);
  });
});

describe("the plugin prerequisite's messages", () => {
  it("a missing plugin CRD names the CRD, the pinned manifest and the way to let the stack install it", () => {
    const message = pluginCrdProblem(undefined, "region us-east-1's cluster")!;
    expect(message).toContain(BARMAN_PLUGIN.manifestObjects.value.crd);
    expect(message).toContain(BARMAN_PLUGIN.manifestUrl.value);
    expect(message).toContain("installOperator");
    expect(pluginCrdProblem({ spec: { versions: [{ name: "v1", served: true }] } }, "x")).toBeUndefined();
    expect(pluginCrdProblem({ spec: { versions: [{ name: "v1", served: false }] } }, "x")).toContain("missing");
  });

  it("a missing cert-manager names its CRD and what to install", () => {
    const message = certManagerProblem({ spec: { versions: [] } }, "region eu-west-1's cluster")!;
    expect(message).toContain(BARMAN_PLUGIN.certManagerCrd.value);
    expect(message).toContain("install cert-manager");
    expect(certManagerProblem({ spec: { versions: [{ name: "v1" }] } }, "x")).toBeUndefined();
  });
});
