/**
 * A region's Barman Cloud plugin objects on the cloudnative-pg engine: the plugin (installed from its pinned
 * manifest after checking cert-manager, or checked to be there), the ObjectStores its Clusters name (the archive
 * in every region, since replica clusters read it; the restore source in the primary's region) and the
 * ScheduledBackup of the main Cluster. Nothing at all without backup or restore.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BARMAN_PLUGIN } from "../../facts/backup/barmanPlugin";
import {
  type ObjectStoreManifest,
  archiveStoreManifest,
  barmanBackup,
  repositoryRestore,
  restoreStoreManifest,
  scheduledBackupManifest,
} from "./backup";
import {
  PREREQUISITE_READS,
  certManagerProblem,
  installNamespaceProblem,
  pluginCrdProblem,
  usesBarmanPlugin,
} from "./barmanPluginInstall";
import type { CnpgRegionArgs } from "./cnpgRegion";

export interface BarmanPlugin {
  /** The manifest's objects, when the stack installs the plugin. */
  installed: pulumi.Resource[];
  /** Resolves once the plugin is known to be there (or throws, naming what to install). */
  check: pulumi.Output<undefined>;
}

function crdCheck(
  name: string,
  crdName: string,
  problem: (crd: never) => string | undefined,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<undefined> {
  const crd = k8s.apiextensions.v1.CustomResourceDefinition.get(name, crdName, opts);
  return crd.spec.apply((spec) => {
    const found = problem({ spec } as never);
    if (found) throw new Error(found);
    return undefined;
  });
}

/** The plugin next to an operator the stack installs, or a check of the one already there. */
export function createBarmanPlugin(
  name: string,
  { topology, engine, region }: CnpgRegionArgs,
  operator: pulumi.Resource[],
  opts: pulumi.ComponentResourceOptions,
): BarmanPlugin {
  if (!usesBarmanPlugin(topology)) return { installed: [], check: pulumi.output(undefined) };
  const where = `region ${region.name}'s cluster`;
  if (!engine.installOperator) {
    const check = crdCheck(
      PREREQUISITE_READS.plugin(name),
      BARMAN_PLUGIN.manifestObjects.value.crd,
      (crd) => pluginCrdProblem(crd, where),
      opts,
    );
    return { installed: [], check };
  }
  const namespaceProblem = installNamespaceProblem(engine);
  if (namespaceProblem) throw new Error(`kubernetes.cloudnativePg.operatorNamespace ${namespaceProblem}`);
  const certManager = crdCheck(
    PREREQUISITE_READS.certManager(name),
    BARMAN_PLUGIN.certManagerCrd.value,
    (crd) => certManagerProblem(crd, where),
    opts,
  );
  const manifest = new k8s.yaml.v2.ConfigFile(
    `${name}-barman-cloud-plugin`,
    // Applied only once cert-manager is known to be there; the URL is the pinned release's asset.
    { file: certManager.apply(() => BARMAN_PLUGIN.manifestUrl.value) },
    { ...opts, dependsOn: operator },
  );
  return { installed: [manifest], check: pulumi.output(undefined) };
}

function objectStore(
  name: string,
  manifest: ObjectStoreManifest,
  check: pulumi.Output<undefined>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    `${name}-${manifest.metadata.name}`,
    { ...manifest, spec: check.apply(() => manifest.spec) },
    opts,
  );
}

/**
 * The stack's archive (in every region: replica clusters read it; only the primary's region applies retention, where
 * the archiving primary runs) and, in the primary's region, the restore source.
 */
export function createBarmanStores(
  name: string,
  { topology, region }: CnpgRegionArgs,
  check: pulumi.Output<undefined>,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource[] {
  const stores: ObjectStoreManifest[] = [];
  const backup = barmanBackup(topology);
  if (backup) {
    const archive = archiveStoreManifest(topology, backup);
    if (!region.primary) delete archive.spec.retentionPolicy;
    stores.push(archive);
  }
  const restore = repositoryRestore(topology);
  if (restore && region.primary) stores.push(restoreStoreManifest(topology, restore));
  return stores.map((manifest) => objectStore(name, manifest, check, opts));
}

/** In the primary's region: base backups of the main Cluster on the stack's schedule. */
export function createScheduledBackup(
  name: string,
  { topology, region }: CnpgRegionArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource[] {
  const backup = barmanBackup(topology);
  if (!backup || !region.primary) return [];
  const manifest = scheduledBackupManifest(topology, backup);
  return [new k8s.apiextensions.CustomResource(`${name}-${manifest.metadata.name}`, manifest, opts)];
}
