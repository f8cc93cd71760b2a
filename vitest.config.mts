import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
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
    ],
  },
});
