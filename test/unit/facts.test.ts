/**
 * Every facts module of every backend (components/facts/**), read as data: each fact, and each record that carries
 * its own sources (an Aurora parameter, a metric, a provider field), has at least one source; each reference names an
 * entry of the one registry; each entry is a repository at a ref or a page; no entry goes uncited. And the facts
 * about images were read at the tags the stacks run (facts/images.ts).
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PGBOUNCER_EXPORTER, POSTGRES_EXPORTER } from "../../components/facts/exporters/exporters";
import type { SourceRef } from "../../components/facts/fact";
import { EXPORTER_IMAGES, STATEFULSET_IMAGES, tagVersion } from "../../components/facts/images";
import { PGBOUNCER_IMAGE, POSTGRES_IMAGE } from "../../components/facts/kubernetes";
import { SOURCES, SOURCE_GROUPS, type Source } from "../../components/facts/sources";

const FACTS = resolve(__dirname, "../../components/facts");
/** The machinery, the registry and the image pins: everything else under facts/ is facts. */
const NOT_FACTS = new Set(["fact.ts", "sources.ts", "citation.ts", "images.ts"]);
const REGISTRY = join(FACTS, "sources");

function factModules(dir: string = FACTS): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (path === REGISTRY) return [];
    if (statSync(path).isDirectory()) return factModules(path);
    const top = dir === FACTS;
    return name.endsWith(".ts") && name !== "index.ts" && !(top && NOT_FACTS.has(name)) ? [path] : [];
  });
}

interface Citing {
  where: string;
  ref: SourceRef;
}

interface Walk {
  /** Paths of values that sit in no fact: a fact or a record without sources. */
  unsourced: string[];
  /** Paths of facts and records whose sources are empty. */
  empty: string[];
  citing: Citing[];
  sourced: number;
}

const isSourced = (value: object): value is { sources: readonly SourceRef[] } => "sources" in value;

/** Down an exported value until each branch meets something with sources; any other leaf is unsourced. */
function walk(value: unknown, where: string, into: Walk): void {
  if (value !== null && typeof value === "object" && isSourced(value)) {
    into.sourced++;
    if (!Array.isArray(value.sources) || value.sources.length === 0) into.empty.push(where);
    for (const ref of value.sources) into.citing.push({ where, ref });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${where}[${i}]`, into));
  } else if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) walk(item, `${where}.${key}`, into);
  } else {
    into.unsourced.push(where);
  }
}

/** Every module's exported data (functions are helpers over the facts, not facts). */
async function walkAll(): Promise<Map<string, Walk>> {
  const walks = new Map<string, Walk>();
  for (const path of factModules()) {
    const module = (await import(path)) as Record<string, unknown>;
    const into: Walk = { unsourced: [], empty: [], citing: [], sourced: 0 };
    for (const [name, value] of Object.entries(module)) if (typeof value !== "function") walk(value, name, into);
    walks.set(relative(FACTS, path), into);
  }
  return walks;
}

const repoOf = (id: string): string | undefined => {
  const source: Source | undefined = (SOURCES as Record<string, Source>)[id];
  return source && "repo" in source ? source.repo : undefined;
};

/** The refs (tags, commits) of one repository that a fact or a group of facts cites. */
function refsIn(facts: object, repo: string): string[] {
  const into: Walk = { unsourced: [], empty: [], citing: [], sourced: 0 };
  walk(facts, "facts", into);
  const refs = into.citing.flatMap(({ ref }) => {
    const source = SOURCES[ref.source];
    return "repo" in source && source.repo === repo ? [source.ref] : [];
  });
  return [...new Set(refs)];
}

describe("every facts module", () => {
  let walks: Map<string, Walk>;
  beforeAll(async () => {
    walks = await walkAll();
  });

  it("holds facts, each with at least one source", () => {
    expect([...walks.keys()]).toContain("aws/parameters.ts");
    expect([...walks.keys()]).toContain("kubernetes/postgresImage.ts");
    for (const [module, { unsourced, empty, sourced }] of walks) {
      expect(sourced, `${module} holds no fact`).toBeGreaterThan(0);
      expect(unsourced, `${module}: values outside any fact`).toEqual([]);
      expect(empty, `${module}: facts without sources`).toEqual([]);
    }
  });

  it("cites only registry entries, with a location and a note that say something when given", () => {
    for (const [module, { citing }] of walks) {
      for (const { where, ref } of citing) {
        expect(Object.keys(SOURCES), `${module} ${where}`).toContain(ref.source);
        for (const text of [ref.at, ref.note])
          if (text !== undefined) expect(text.trim(), `${module} ${where}`).not.toBe("");
      }
    }
  });

  it("leaves no registry entry uncited", () => {
    const cited = new Set([...walks.values()].flatMap(({ citing }) => citing.map(({ ref }) => ref.source)));
    expect(Object.keys(SOURCES).filter((id) => !cited.has(id as keyof typeof SOURCES))).toEqual([]);
  });
});

describe("the sources registry", () => {
  it("defines each id in one group only (a second definition would silently replace the first)", () => {
    const ids = Object.values(SOURCE_GROUPS).flatMap((group) => Object.keys(group));
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
    expect(Object.keys(SOURCES)).toHaveLength(ids.length);
  });

  it("holds repositories at a commit or tag, and pages by address with a title", () => {
    for (const [id, source] of Object.entries(SOURCES) as Array<[string, Source]>) {
      if ("url" in source) {
        expect("repo" in source, id).toBe(false);
        expect(source.url, id).toMatch(/^https:\/\/[^\s]+$/);
        expect(source.title.trim(), id).not.toBe("");
      } else {
        expect(source.repo, id).toMatch(/^[\w.-]+\/[\w.-]+$/);
        // A tag may hold a slash (pgBackRest tags its releases release/2.45) or an @ (node-postgres: pg-pool@3.14.0).
        expect(source.ref, id).toMatch(/^[\w.@-]+(\/[\w.@-]+)*$/);
      }
    }
  });
});

describe("the image facts", () => {
  it("read PgBouncer's image at the tag the statefulset engine runs", () => {
    const tag = STATEFULSET_IMAGES.pgbouncer.split(":")[1];
    expect(PGBOUNCER_IMAGE.version.value).toBe(tagVersion(STATEFULSET_IMAGES.pgbouncer));
    expect(refsIn(PGBOUNCER_IMAGE, "edoburu/docker-pgbouncer")).toEqual([tag]);
  });

  it("read the postgres image's files for the majors and variant the statefulset engine runs", () => {
    const cited = POSTGRES_IMAGE.env.sources.map((ref) => ref.at ?? "");
    expect(cited.map((at) => at.split("/")[0])).toEqual([POSTGRES_IMAGE.env.value.PG_MAJOR]);
    for (const [name, fact] of Object.entries(POSTGRES_IMAGE)) {
      for (const ref of fact.sources) {
        const dir = /^(\d+)\/([\w.]+)\//.exec(ref.at ?? "");
        if (repoOf(ref.source) !== "docker-library/postgres" || !dir) continue;
        expect(STATEFULSET_IMAGES.postgres(Number(dir[1])), `${name} cites ${ref.at}`).toBe(
          `postgres:${dir[1]}-${dir[2]}`,
        );
      }
    }
  });

  it("read the exporters at the versions the pinned images and Debian run", () => {
    const { debian, image } = POSTGRES_EXPORTER.versions.value;
    expect(image).toBe(tagVersion(EXPORTER_IMAGES.postgresExporter));
    expect(refsIn(POSTGRES_EXPORTER.versions, "prometheus-community/postgres_exporter")).toEqual([`v${image}`]);
    expect(refsIn(POSTGRES_EXPORTER, "prometheus-community/postgres_exporter").sort()).toEqual(
      [`v${debian}`, `v${image}`].sort(),
    );
    expect(PGBOUNCER_EXPORTER.version.value).toBe(tagVersion(EXPORTER_IMAGES.pgbouncerExporter));
    expect(refsIn(PGBOUNCER_EXPORTER, "prometheus-community/pgbouncer_exporter")).toEqual([
      `v${PGBOUNCER_EXPORTER.version.value}`,
    ]);
  });
});
