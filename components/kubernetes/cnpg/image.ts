/**
 * CloudNativePG learns the PostgreSQL version of a Cluster from its image's tag
 * (facts/operator.ts imageTag): an image it cannot read a version from is refused
 * by its webhook, so kubernetes.images.postgres is checked before any resource
 * exists. Pure.
 */
import type { ConfigIssue } from "../../config/errors";
import { CNPG_OPERATOR } from "../../facts/cnpg/operator";

/** The tag the operator reads: `latest` when there is neither tag nor digest, "" for a digest alone. */
export function imageTag(image: string): string {
  // Without a registry host, the name is Docker Hub's (library/ for a bare name); a ":" there is then a tag, never a
  // port.
  const qualified = !image.includes("/")
    ? `docker.io/library/${image}`
    : /^[^./:]+((\.[^./:]+)+(:\d+)?|:\d+)\//.test(image)
      ? image
      : `docker.io/${image}`;
  const digest = /@sha256:[a-fA-F0-9]+$/.exec(qualified);
  const name = digest ? qualified.slice(0, -digest[0].length) : qualified;
  return /:([^/]+)$/.exec(name)?.[1] ?? (digest ? "" : "latest");
}

/** Why the operator would refuse this image, or undefined. */
export function imageProblem(image: string): string | undefined {
  const tag = imageTag(image);
  if (tag === "latest")
    return "has the tag latest (or none, which means latest), from which CloudNativePG cannot tell the PostgreSQL version";
  if (tag === "")
    return "is pinned by digest alone, without a tag from which CloudNativePG could tell the PostgreSQL version";
  const version = /^(\d\.?)+/.exec(tag)?.[0];
  const [major, minor] = (version ?? "").split(".");
  if (version === undefined || (minor !== undefined && (minor === "" || Number(minor) >= 100))) {
    return `has the tag ${tag}, which does not start with a PostgreSQL version (such as 16.14-standard-trixie)`;
  }
  const { minimumMajor } = CNPG_OPERATOR.imageTag.value;
  return Number(major) < minimumMajor
    ? `has the tag ${tag}: PostgreSQL ${major}, older than the ${minimumMajor} CloudNativePG supports`
    : undefined;
}

/**
 * kubernetes.images.postgres on the cloudnative-pg engine, as a ConfigIssue when the operator's
 * webhook would refuse the Cluster, or when the image runs another major than postgresVersion
 * (the operator would run that major on settings and data meant for postgresVersion).
 */
export function imageIssue(image: string, postgresVersion: number): ConfigIssue | undefined {
  const problem = imageProblem(image);
  if (problem === undefined) return majorIssue(image, postgresVersion);
  return {
    key: "kubernetes.images.postgres",
    value: image,
    problem: `${problem}; the operator's webhook refuses such a Cluster`,
    fix: "tag the image with its PostgreSQL version, e.g. registry.example.com/postgresql:16.14-standard-trixie (a digest may follow: …:16.14-standard-trixie@sha256:…), or remove it to use the operator's image",
  };
}

function majorIssue(image: string, postgresVersion: number): ConfigIssue | undefined {
  const tag = imageTag(image);
  const major = Number(/^\d+/.exec(tag)?.[0]);
  if (major === postgresVersion) return undefined;
  return {
    key: "kubernetes.images.postgres",
    value: image,
    problem: `has the tag ${tag}, PostgreSQL ${major}, but postgresVersion is ${postgresVersion}`,
    fix: `use an image of PostgreSQL ${postgresVersion} (a tag starting ${postgresVersion}.), or change postgresVersion (a major upgrade needs a data migration)`,
  };
}
