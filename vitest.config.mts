import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Integration files run in name order: routing first, faults (which stop servers) after, the CLI last. */
class NameOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    sequence: { sequencer: NameOrderSequencer },
    projects: [
      {
        test: { name: "unit", include: ["test/unit/**/*.test.ts"] },
      },
      {
        test: {
          name: "components",
          include: ["test/components/**/*.test.ts"],
          setupFiles: ["test/components/setupMocks.ts"],
          // Each file builds whole resource graphs; Pulumi's runtime state is per process.
          pool: "forks",
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/globalSetup.ts"],
          // One shared topology: files run one after another, in name order.
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
