/**
 * Integration files run in any order on one topology: each starts from a healthy one, whatever ran before it,
 * and leaves one behind (what it stopped, paused or lost is restored even when a test failed half-way).
 */
import { afterAll, beforeAll } from "vitest";
import { ensureHealthy } from "./support";

beforeAll(ensureHealthy);
afterAll(ensureHealthy);
