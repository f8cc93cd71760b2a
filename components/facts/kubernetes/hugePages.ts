/**
 * Why the servers render huge_pages = off: PostgreSQL's default (try) maps huge pages when the node has them, and a
 * pod without a hugepages-2Mi limit then dies of SIGBUS instead of falling back.
 */
import { cite, fact } from "../fact";

export const HUGE_PAGES = {
  /** A container may use huge pages only up to its hugepages-<size> limit; without one it has none. */
  needsHugepagesLimit: fact(
    "hugepages-2Mi",
    cite("hugePagesDocs", "API", "huge page requests must equal limits; a container consumes only what it requests"),
  ),
  /** huge_pages = try sees the node's pages and maps them; the first touch beyond the pod's share faults. */
  tryCrashesWithoutLimit: fact(
    true,
    cite("hugePagesSigbusIssue", "issue thread", "postgres: 'Bus error (core dumped)'; workaround huge_pages = off"),
    cite("postgresResourceDocs", "huge_pages", "default try"),
  ),
} as const;
