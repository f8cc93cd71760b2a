/**
 * npm run build:client: the routing client as a package of its own, `@pg-read-replicas/client`, in
 * dist/client-package/: ESM (index.mjs) and CommonJS (index.cjs) bundles of components/client with its runtime
 * dependencies left as dependencies, TypeScript declarations, and a package.json whose `exports` map names all three.
 * The dependencies' ranges are the repository's own (package.json), so the package is tested with what ships.
 * `npm pack dist/client-package` makes the tarball; test/integration/client-package.test.ts installs it into a
 * scratch project and runs the README's quick-start there, from ESM and from CommonJS.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { PROJECT_ROOT } from "../components/ground/paths";

const ROOT = PROJECT_ROOT;
export const CLIENT_PACKAGE_DIR = join(ROOT, "dist", "client-package");
export const CLIENT_PACKAGE_NAME = "@pg-read-replicas/client";
const ENTRY = join(ROOT, "components", "client", "index.ts");
/**
 * Type packages the declarations import: `pg`'s types are part of the client's API (a read's transaction is a pg
 * client), so a TypeScript user gets them with it. Node's own types (@types/node) a Node project has already.
 */
const TYPE_DEPENDENCIES = ["@types/pg"] as const;
/** What the client imports at run time (everything else is bundled). */
const RUNTIME_DEPENDENCIES = ["pg", "pg-connection-string", "@opentelemetry/api", "zod"] as const;

function rootPackage(): {
  version: string;
  license: string;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
} {
  return JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
}

function packageJson(): Record<string, unknown> {
  const root = rootPackage();
  const dependencies = Object.fromEntries(
    [...RUNTIME_DEPENDENCIES, ...TYPE_DEPENDENCIES].map((name) => {
      const range = root.dependencies[name] ?? root.devDependencies[name];
      if (!range) throw new Error(`${name} is not a dependency of the repository's package.json`);
      return [name, range];
    }),
  );
  return {
    name: CLIENT_PACKAGE_NAME,
    version: root.version,
    description:
      "Reads routed to PostgreSQL replicas without stale reads: causality tokens, a staleness ceiling, a breaker.",
    license: root.license,
    engines: root.engines,
    // No "type": the bundles say their format by extension, and the declarations (extensionless relative imports, as
    // tsc emits them from this repository's CommonJS sources) are read as CommonJS declarations by either importer.
    main: "./index.cjs",
    module: "./index.mjs",
    types: "./types/components/client/index.d.ts",
    exports: {
      ".": {
        types: "./types/components/client/index.d.ts",
        import: "./index.mjs",
        require: "./index.cjs",
      },
      "./package.json": "./package.json",
    },
    files: ["index.mjs", "index.cjs", "types", "README.md"],
    sideEffects: false,
    dependencies,
  };
}

async function bundle(dir: string, format: "esm" | "cjs", file: string): Promise<void> {
  await build({
    entryPoints: [ENTRY],
    outfile: join(dir, file),
    bundle: true,
    platform: "node",
    target: "node20",
    format,
    external: [...RUNTIME_DEPENDENCIES],
    legalComments: "none",
    logLevel: "warning",
  });
}

function declarations(dir: string): void {
  const tsconfig = join(dir, "tsconfig.types.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, "tsconfig.json"),
      compilerOptions: {
        declaration: true,
        emitDeclarationOnly: true,
        sourceMap: false,
        rootDir: ROOT,
        outDir: join(dir, "types"),
        // Read from the repository wherever `dir` is (types resolve from the tsconfig's own place otherwise).
        typeRoots: [join(ROOT, "node_modules", "@types")],
      },
      include: [],
      files: [ENTRY],
    }),
  );
  execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", tsconfig], { stdio: "inherit" });
  rmSync(tsconfig);
}

/** Builds into `dir` (emptied first): dist/client-package by default; the suite builds into a directory of its own. */
export async function buildClientPackage(dir: string = CLIENT_PACKAGE_DIR): Promise<string> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await bundle(dir, "esm", "index.mjs");
  await bundle(dir, "cjs", "index.cjs");
  declarations(dir);
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(packageJson(), null, 2)}\n`);
  cpSync(join(ROOT, "components", "client", "README.md"), join(dir, "README.md"));
  return dir;
}

if (require.main === module) {
  buildClientPackage().then(
    (dir) => console.log(`built ${CLIENT_PACKAGE_NAME} in ${dir} (npm pack ${dir})`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
