/**
 * Every document a fact comes from, for every backend: a repository read at a commit or tag (and, when the entry is
 * one file of it, its path), or a page by address. Facts cite an entry by id with `cite(id, where, what)`; a wrong id
 * fails the typecheck, and test/unit/facts.test.ts checks that every entry is cited. No AWS account and no image pull
 * was used: where a source is an archived copy, an installed package or a third party's observation, the note says so.
 */
import { POSTGRES_SOURCES } from "./sources/postgres";
import { IMAGE_SOURCES } from "./sources/images";
import { KUBERNETES_SOURCES } from "./sources/kubernetes";
import { CNPG_SOURCES } from "./sources/cnpg";
import { EXPORTER_SOURCES } from "./sources/exporters";
import { AWS_SOURCES } from "./sources/aws";
import { BACKUP_SOURCES } from "./sources/backup";
import { CI_SOURCES } from "./sources/ci";

export type { PageSource, RepoSource, Source } from "./sources/source";

/** The groups, each in a file of its own; an id defined in two groups is refused by test/unit/facts.test.ts. */
export const SOURCE_GROUPS = {
  postgres: POSTGRES_SOURCES,
  images: IMAGE_SOURCES,
  kubernetes: KUBERNETES_SOURCES,
  cnpg: CNPG_SOURCES,
  exporters: EXPORTER_SOURCES,
  aws: AWS_SOURCES,
  backup: BACKUP_SOURCES,
  ci: CI_SOURCES,
} as const;

export const SOURCES = {
  ...POSTGRES_SOURCES,
  ...IMAGE_SOURCES,
  ...KUBERNETES_SOURCES,
  ...CNPG_SOURCES,
  ...EXPORTER_SOURCES,
  ...AWS_SOURCES,
  ...BACKUP_SOURCES,
  ...CI_SOURCES,
} as const;

export type SourceId = keyof typeof SOURCES;
