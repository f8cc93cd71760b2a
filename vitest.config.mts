import { defineConfig } from "vitest/config";

/** One project per tier; each runs alone (`npx vitest run --project <tier>`), its files in any order. */
export default defineConfig({
  test: {
    projects: [
      {
        // A hang guard, not a speed bound: the table and property tests run bash and PostgreSQL's tools per case, and
        // CI runs this tier a second time beside the rehearsals, on a loaded machine.
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 30_000 },
      },
      {
        test: {
          name: "components",
          include: ["test/components/**/*.test.ts"],
          setupFiles: ["test/components/setupMocks.ts"],
          // Each file builds whole resource graphs; Pulumi's runtime state is per process.
          pool: "forks",
          testTimeout: 30_000,
          // A file's first program run (the Pulumi runtime's start) exceeded the 10 s default on a loaded machine.
          hookTimeout: 60_000,
        },
      },
      {
        // One local topology booted for every file (or a deployed stack's outputs, STACK_OUTPUTS=<file>). Files run
        // one at a time; each starts from a healthy topology and leaves one (setupHealthy.ts).
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/globalSetup.ts"],
          setupFiles: ["test/integration/setupHealthy.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Each file boots the stacks it needs and takes them down: prod rehearsed with its regions in network
        // namespaces, promotion and failover drills, the Pulumi local backend's commands.
        test: {
          name: "rehearsal",
          include: ["test/rehearsal/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        // The Kubernetes manifests run as the kubelet runs them (test/harness; root: namespaces, mounts, nftables).
        test: {
          name: "harness",
          include: ["test/harness/**/*.test.ts"],
          globalSetup: ["test/harness/globalSetup.ts"],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Whole preview cycles through the CLI, each with the integration suite inside: slow,
        // so outside `npm test`; `npm run test:preview` and .ci/run run them.
        test: {
          name: "preview",
          include: ["test/preview/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 600_000,
        },
      },
    ],
  },
});
