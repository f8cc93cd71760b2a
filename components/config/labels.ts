/**
 * Labels a stack puts on every Kubernetes object and, as tags, on every AWS resource
 * (`labels`, and `changeId` for the change a preview stack belongs to). Kubernetes label
 * syntax is the stricter of the two, so a label that passes here is also a valid AWS tag
 * (keys up to 128 characters of letters, digits and `_ . : / = + - @`, values up to 256).
 * Sources: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 * and https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Tagging.html
 */

/** The change (pull request) a per-change stack belongs to: set from `changeId`, never by hand. */
export const CHANGE_LABEL = "pg-read-replicas/change";
/** When a preview stack may be removed (UTC, `YYYYMMDDTHHMMSSZ`, so text order is time order). */
export const EXPIRES_LABEL = "pg-read-replicas/expires";
/**
 * On an Aurora stack's home-region alarms: the name of the stack's CloudWatch dashboard, which takes no tags itself
 * (facts/aws UNTAGGED_TYPES); `preview reap` finds a leaked preview's dashboard through it.
 */
export const DASHBOARD_LABEL = "pg-read-replicas/dashboard";

/**
 * Labels the product sets itself; selectors rely on them, so stack config may not override them.
 * kubernetes/conventions.ts uses these keys (a test keeps the two in step).
 */
export const PRODUCT_LABEL_KEYS: Readonly<Record<string, string>> = {
  "app.kubernetes.io/name": "the product names each component with it",
  "app.kubernetes.io/instance": "Services and StatefulSets select pods by it",
  "app.kubernetes.io/managed-by": "it marks objects this program manages",
  "pg-read-replicas/group": "StatefulSets select their pods by it",
  "pg-read-replicas/role": "the rw, ro and olap Services select pods by it",
  "pg-read-replicas/pool": "each pool's Service selects its pods by it",
  [CHANGE_LABEL]: "it is set from changeId",
};

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a label key, or undefined when it is one. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return "has a prefix that is not a DNS subdomain (lower-case letters, digits, - and ., at most 253 characters)";
  }
  if (name.length > 63 || !NAME.test(name)) {
    return "is not a label name: at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit";
  }
  return undefined;
}

/** Why `value` is not a label value, or undefined when it is one. */
export function labelValueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  return value.length > 63 || !NAME.test(value)
    ? "is not a label value: at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit"
    : undefined;
}

/** `2025-06-03T12:00:00Z` → `20250603T120000Z`: ISO 8601 basic format, a valid label value. */
export function expiryLabelValue(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

const CHANGE_ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const CHANGE_ID_RULE =
  "at most 20 lower-case letters, digits and -, starting and ending with a letter or digit, e.g. a pull request number such as 42";

/** Why `id` cannot name a change (it ends a namespace name and is a label value), or undefined. */
export function changeIdProblem(id: string): string | undefined {
  return CHANGE_ID.test(id) && id.length <= 20 ? undefined : "is not a change id";
}
