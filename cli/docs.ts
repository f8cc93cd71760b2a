/** `npm run docs`: rewrites the README's config reference from the schemas. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withConfigReference } from "../components/config/reference";
import { PROJECT_ROOT } from "../components/ground/paths";

const readme = join(PROJECT_ROOT, "README.md");
const before = readFileSync(readme, "utf8");
const after = withConfigReference(before);
if (after === before) {
  console.log(`the config reference in ${readme} is up to date`);
} else {
  writeFileSync(readme, after);
  console.log(`rewrote the config reference in ${readme}`);
}
