/**
 * What the Kubernetes API server validates beyond the OpenAPI schema (which kubernetes-models
 * checks): names, label and annotation syntax, port names, and references inside a pod spec.
 * Source: k8s.io/apimachinery/pkg/util/validation/validation.go (IsDNS1123Subdomain,
 * IsDNS1123Label, IsDNS1035Label, IsQualifiedName, IsValidLabelValue, IsValidPortName,
 * IsConfigMapKey) and k8s.io/kubernetes/pkg/apis/core/validation/validation.go (ValidatePodSpec:
 * volume mounts name volumes of the pod, probe ports name container ports);
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/names/.
 */
import type { Registered } from "./pulumiMocks";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

const label = (text: string) => text.length <= 63 && DNS1123_LABEL.test(text);
const subdomain = (text: string) => text.length <= 253 && DNS1123_SUBDOMAIN.test(text);

/** A label or annotation key: an optional DNS subdomain prefix and a qualified name of at most 63. */
function qualifiedKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  const name = key.slice(slash + 1);
  return (slash < 0 || subdomain(key.slice(0, slash))) && name.length <= 63 && QUALIFIED_NAME.test(name);
}

const labelValue = (value: unknown) =>
  typeof value === "string" && (value === "" || (value.length <= 63 && QUALIFIED_NAME.test(value)));

/** IANA_SVC_NAME: at most 15 of a-z, 0-9 and -, at least one letter, no leading, trailing or double -. */
const portName = (name: string) =>
  name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes("--");

function labels(where: string, map: Record<string, unknown> | undefined, problems: string[]): void {
  for (const [key, value] of Object.entries(map ?? {})) {
    if (!qualifiedKey(key)) problems.push(`${where}: label key ${key}`);
    if (!labelValue(value)) problems.push(`${where}: label ${key} = ${String(value)}`);
  }
}

/** `claims`: a StatefulSet's volumeClaimTemplates, volumes of each of its pods. */
function podSpec(
  where: string,
  template: { metadata?: { labels?: Record<string, unknown> }; spec: any },
  claims: string[],
  problems: string[],
): void {
  labels(`${where} pod template`, template.metadata?.labels, problems);
  const volumes = new Set<string>([...(template.spec.volumes ?? []).map((v: { name: string }) => v.name), ...claims]);
  for (const volume of volumes) if (!label(volume)) problems.push(`${where}: volume name ${volume}`);
  const containers: any[] = [...(template.spec.initContainers ?? []), ...template.spec.containers];
  const names = containers.map((c) => c.name as string);
  if (new Set(names).size !== names.length) problems.push(`${where}: container names repeat: ${names.join(", ")}`);
  for (const container of containers) {
    const at = `${where} container ${container.name}`;
    if (!label(container.name)) problems.push(`${at}: name`);
    const ports = new Set<string>();
    for (const port of container.ports ?? []) {
      if (port.name === undefined) continue;
      if (!portName(port.name)) problems.push(`${at}: port name ${port.name}`);
      ports.add(port.name);
    }
    for (const mount of container.volumeMounts ?? [])
      if (!volumes.has(mount.name)) problems.push(`${at}: mounts ${mount.name}, which is no volume of the pod`);
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
      if (typeof port === "string" && !ports.has(port))
        problems.push(`${at}: a probe names port ${port}, which the container does not declare`);
    }
  }
}

/** The problems the API server would report about this object's names and references (none: []). */
export function kubernetesNameProblems(resource: Registered): string[] {
  const problems: string[] = [];
  const { kind, metadata, spec, data, stringData } = resource.inputs as Record<string, any>;
  const where = `${kind} ${metadata?.name}`;
  const name: string = metadata?.name ?? "";
  const nameOk =
    kind === "Service"
      ? name.length <= 63 && DNS1035_LABEL.test(name)
      : kind === "Namespace"
        ? label(name)
        : subdomain(name);
  if (!nameOk) problems.push(`${where}: name`);
  if (metadata?.namespace !== undefined && !label(metadata.namespace))
    problems.push(`${where}: namespace ${metadata.namespace}`);
  labels(where, metadata?.labels, problems);
  for (const key of Object.keys(metadata?.annotations ?? {}))
    if (!qualifiedKey(key)) problems.push(`${where}: annotation key ${key}`);
  for (const key of Object.keys({ ...data, ...stringData }))
    if (key.length > 253 || !CONFIG_MAP_KEY.test(key)) problems.push(`${where}: data key ${key}`);
  if (kind === "Service") {
    for (const port of spec?.ports ?? []) {
      if (port.name !== undefined && !label(port.name)) problems.push(`${where}: port name ${port.name}`);
      if (typeof port.targetPort === "string" && !portName(port.targetPort))
        problems.push(`${where}: targetPort ${port.targetPort}`);
    }
    if ((spec?.ports ?? []).length > 1 && spec.ports.some((p: { name?: string }) => !p.name))
      problems.push(`${where}: several ports, not all named`);
  }
  if (spec?.selector?.matchLabels) labels(`${where} selector`, spec.selector.matchLabels, problems);
  else if (kind === "Service" && spec?.selector) labels(`${where} selector`, spec.selector, problems);
  const claims = (spec?.volumeClaimTemplates ?? []).map((c: { metadata: { name: string } }) => c.metadata.name);
  if (spec?.template?.spec?.containers) podSpec(where, spec.template, claims, problems);
  return problems;
}
