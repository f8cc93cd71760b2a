/**
 * The routing client as users install it: `npm run build:client` (scripts/build-client.ts) builds
 * `@pg-read-replicas/client` (ESM, CommonJS, declarations), `npm pack` makes the tarball, and a scratch project
 * outside this repository installs it (its dependencies from the registry, or npm's cache) and runs the README's
 * quick-start against the stack: from an ES module, from CommonJS, and through TypeScript's checker, which must
 * accept a correct call and refuse a wrong one (the declarations are real, not `any`).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_PACKAGE_NAME, buildClientPackage } from "../../scripts/build-client";
import { PROJECT_ROOT } from "../../components/ground/paths";
import { outputs } from "./support";

let scratch: string;

const QUICK_START = (table: string) => `
const db = ReplicaClient.fromOutputsFile("outputs.json");
try {
  await db.write((tx) => tx.query("CREATE TABLE IF NOT EXISTS ${table} (body text)"));
  const { token } = await db.write((tx) => tx.query("INSERT INTO ${table} (body) VALUES ($1)", ["hello"]));
  const { result, route } = await db.read((tx) => tx.query("SELECT count(*)::int AS n FROM ${table}"), { token });
  console.log(JSON.stringify({ token, rows: result.rows[0].n, target: route.target }));
} finally {
  await db.close();
}`;

function node(file: string): { token: string; rows: number; target: string } {
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: scratch, encoding: "utf8" }).trim());
}

describe("the client package, installed from its tarball into a project of its own", () => {
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "pgrr-client-package-"));
    // Its own build directory: the rehearsal lanes run this suite side by side in one checkout.
    const dir = await buildClientPackage(join(scratch, "package"));
    execFileSync("npm", ["pack", "--pack-destination", scratch], { cwd: dir, stdio: "pipe" });
    const tarball = readdirSync(scratch).find((f) => f.endsWith(".tgz"))!;
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    // @types/node as any TypeScript project on Node has it; @types/pg comes with the package.
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", `./${tarball}`, "@types/node@20"], {
      cwd: scratch,
      stdio: "pipe",
    });
    writeFileSync(join(scratch, "outputs.json"), JSON.stringify(outputs), { mode: 0o600 });
    chmodSync(join(scratch, "outputs.json"), 0o600);
  }, 240_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("runs the quick-start from an ES module", () => {
    writeFileSync(
      join(scratch, "quick-start.mjs"),
      `import { ReplicaClient } from "${CLIENT_PACKAGE_NAME}";\n${QUICK_START("package_esm")}\n`,
    );
    const ran = node("quick-start.mjs");
    expect(ran.rows).toBe(1);
    expect(ran.token).toMatch(/^[0-9A-F]+\/[0-9A-F]+\.\d+\.\d+\.[0-9a-z]+$/);
  });

  it("runs it from CommonJS", () => {
    writeFileSync(
      join(scratch, "quick-start.cjs"),
      `const { ReplicaClient } = require("${CLIENT_PACKAGE_NAME}");\n(async () => {${QUICK_START("package_cjs")}\n})();\n`,
    );
    expect(node("quick-start.cjs").rows).toBe(1);
  });

  it("gives TypeScript its types: a correct call checks, a wrong one is refused", () => {
    const tsc = join(PROJECT_ROOT, "node_modules", ".bin", "tsc");
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ["consumer.ts"],
      }),
    );
    const consumer = (consistency: string) =>
      `import { ReplicaClient, type ReadResult } from "${CLIENT_PACKAGE_NAME}";\n` +
      `export async function count(db: ReplicaClient): Promise<ReadResult<number>> {\n` +
      `  return db.read(async (tx) => (await tx.query("SELECT 1")).rowCount ?? 0, { consistency: "${consistency}" });\n}\n`;
    writeFileSync(join(scratch, "consumer.ts"), consumer("bounded"));
    execFileSync(tsc, ["-p", scratch], { cwd: scratch, stdio: "pipe" });
    writeFileSync(join(scratch, "consumer.ts"), consumer("sometimes"));
    let refused = "";
    try {
      execFileSync(tsc, ["-p", scratch], { cwd: scratch, stdio: "pipe" });
    } catch (error) {
      refused = String((error as { stdout?: Buffer }).stdout ?? "");
    }
    expect(refused).toMatch(/"sometimes"/);
  });
});
