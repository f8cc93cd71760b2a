/**
 * The floor plan: every file of components/ sits on a layer and imports only from layers below
 * it (or its own folder). Read from the sources' import declarations, so a rule that runs back
 * up fails here before it costs a future change. The README's layout section states the same table.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const COMPONENTS = join(ROOT, "components");

/** Lowest first. A folder imports its own files and any folder of a lower rank, never one of its rank or above. */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ["ground", "facts"],
  // The settings registry sits under config: the schema checks stack config's settings against it.
  ["settings"],
  ["config"],
  ["topology"],
  ["contract", "sql"],
  ["render", "monitoring", "failover", "verify", "client", "outputs"],
  ["aurora", "kubernetes", "local"],
  ["pipeline"],
  ["pgReadReplicas.ts", "preview"],
];

/** Beyond the ranks: who may import what, however low it sits. */
const ONLY: Readonly<Record<string, readonly string[]>> = {
  // A leaf: StackOutputs, its file and URLs must not change with the model or the deploy tool.
  contract: ["ground"],
  // The routing client ships to applications: the contract, the ground's error base, and the facts it relies on.
  client: ["contract", "ground", "facts"],
  facts: ["facts"],
  ground: ["ground"],
};

/** Packages a layer must not reach at any depth: the model, the contract and the client load without Pulumi. */
const FORBIDDEN_PACKAGES: Readonly<Record<string, RegExp>> = {
  contract: /^@pulumi\//,
  client: /^@pulumi\//,
  facts: /^@pulumi\//,
  config: /^@pulumi\//,
  topology: /^@pulumi\//,
  settings: /^@pulumi\//,
};

/**
 * Aurora by lifetime: the deploy-time code runs inside Pulumi, the check-time code (aurora/check/) in the CLI that
 * `pulumi up` and `pulumi destroy` start. Each must load without the other's packages, at any depth.
 */
const AURORA = join(COMPONENTS, "aurora");
const AURORA_CHECK = join(AURORA, "check");
const LIFETIMES: ReadonlyArray<{ name: string; holds: (path: string) => boolean; forbidden: RegExp }> = [
  {
    name: "deploy time (components/aurora/, outside check/)",
    holds: (path) => path.startsWith(`${AURORA}/`) && !path.startsWith(`${AURORA_CHECK}/`),
    forbidden: /^@aws-sdk\//,
  },
  {
    name: "check time (components/aurora/check/)",
    holds: (path) => path.startsWith(`${AURORA_CHECK}/`),
    forbidden: /^@pulumi\//,
  },
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The top folder of components/ a file belongs to (or the file itself at the top). */
function area(path: string): string {
  return relative(COMPONENTS, path).split("/")[0]!;
}

function rank(name: string): number {
  const found = LAYERS.findIndex((layer) => layer.includes(name));
  if (found < 0) throw new Error(`components/${name} is on no layer: add it to LAYERS here and to the README's layout`);
  return found;
}

interface Import {
  from: string;
  specifier: string;
  target?: string;
}

function importsOf(path: string): Import[] {
  const info = ts.preProcessFile(readFileSync(path, "utf8"), true, true);
  return info.importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith(".")) return { from: path, specifier: fileName };
    const base = resolve(dirname(path), fileName);
    const target = [`${base}.ts`, join(base, "index.ts"), base].find((candidate) => {
      try {
        return statSync(candidate).isFile();
      } catch {
        return false;
      }
    });
    return { from: path, specifier: fileName, ...(target ? { target } : {}) };
  });
}

const ALL = files(COMPONENTS).map((path) => ({ path, imports: importsOf(path) }));
const where = (i: Import) => `${relative(ROOT, i.from)} imports ${i.specifier}`;

/** Every package import a file reaches through its relative imports, with the chain of files that leads to it. */
function packagesReached(start: string): Array<{ chain: string[]; specifier: string }> {
  const byPath = new Map(ALL.map((f) => [f.path, f.imports]));
  const found: Array<{ chain: string[]; specifier: string }> = [];
  const seen = new Set([start]);
  const queue: string[][] = [[start]];
  for (let chain = queue.shift(); chain; chain = queue.shift()) {
    for (const i of byPath.get(chain.at(-1)!) ?? []) {
      if (!i.specifier.startsWith(".")) found.push({ chain, specifier: i.specifier });
      else if (i.target && !seen.has(i.target)) {
        seen.add(i.target);
        queue.push([...chain, i.target]);
      }
    }
  }
  return found;
}

describe("the layers of components/", () => {
  it("every relative import resolves to a file", () => {
    expect(ALL.flatMap((f) => f.imports.filter((i) => i.specifier.startsWith(".") && !i.target).map(where))).toEqual(
      [],
    );
  });

  it("no file imports its own layer's other folders or a layer above it", () => {
    const upward = ALL.flatMap(({ path, imports }) =>
      imports
        .filter((i) => i.target?.startsWith(COMPONENTS))
        .filter((i) => area(i.target!) !== area(path) && rank(area(i.target!)) >= rank(area(path)))
        .map((i) => `${where(i)} (${area(i.target!)} is not below ${area(path)})`),
    );
    expect(upward).toEqual([]);
  });

  it("leaves import only the folders they are allowed to", () => {
    const wrong = ALL.flatMap(({ path, imports }) => {
      const allowed = ONLY[area(path)];
      if (!allowed) return [];
      return imports
        .filter((i) => i.target?.startsWith(COMPONENTS) && area(i.target) !== area(path))
        .filter((i) => !allowed.includes(area(i.target!)))
        .map(where);
    });
    expect(wrong).toEqual([]);
  });

  it("the model and the contract never reach Pulumi, at any depth", () => {
    const reached = ALL.flatMap(({ path }) => {
      const forbidden = FORBIDDEN_PACKAGES[area(path)];
      if (!forbidden) return [];
      return packagesReached(path)
        .filter(({ specifier }) => forbidden.test(specifier))
        .map(({ chain, specifier }) => `${chain.map((p) => relative(ROOT, p)).join(" → ")} imports ${specifier}`);
    });
    expect(reached).toEqual([]);
  });

  it("nothing under components/ reaches into test/, cli/, infra/ or bench/", () => {
    const outside = ALL.flatMap(({ imports }) =>
      imports.filter((i) => i.target && !i.target.startsWith(COMPONENTS)).map(where),
    );
    expect(outside).toEqual([]);
  });

  it("the Kubernetes engines sit side by side; only the engine table reaches into them from the wing's top", () => {
    const engine = (path: string) => /components\/kubernetes\/(statefulset|cnpg)\//.exec(path)?.[1];
    const switches = new Set(["components/kubernetes/engines.ts", "components/kubernetes/validate.ts"]);
    const crossing = ALL.flatMap(({ path, imports }) =>
      imports
        .filter((i) => i.target && engine(i.target) !== undefined && engine(path) !== engine(i.target))
        .filter(() => !switches.has(relative(ROOT, path)))
        .map(where),
    );
    expect(crossing).toEqual([]);
  });

  it("Aurora's deploy-time code never reaches the AWS SDK, and its check-time code never reaches Pulumi", () => {
    const reached = LIFETIMES.flatMap(({ name, holds, forbidden }) => {
      const own = ALL.filter(({ path }) => holds(path));
      if (own.length === 0) return [`${name}: no files (did the folder move?)`];
      return own.flatMap(({ path }) =>
        packagesReached(path)
          .filter(({ specifier }) => forbidden.test(specifier))
          .map(({ chain, specifier }) => `${chain.map((p) => relative(ROOT, p)).join(" → ")} imports ${specifier}`),
      );
    });
    expect(reached).toEqual([]);
  });

  it("facts live in components/facts/ only", () => {
    const elsewhere = files(COMPONENTS)
      .map((path) => relative(COMPONENTS, path))
      .filter((path) => /(^|\/)facts\//.test(path) && !path.startsWith("facts/"));
    expect(elsewhere).toEqual([]);
  });
});
