import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    // Every test that blocks has its own timeout; this is the backstop.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
