/**
 * Connection strings made safe to print: every password form a user can mistype into one is replaced by ***.
 * Errors name the URL they could not use; they must never print the password with it, however malformed the URL is
 * (a mistyped scheme, a missing slash, an `@` inside the password, `?password=`, libpq's keyword=value form).
 */

/** Query parameters and keywords whose values are secrets (libpq: password, sslpassword). */
const SECRET_KEYS = "(?:ssl)?password";

function redactUserinfo(text: string): string {
  // Only `scheme://` is taken for a scheme: in `app:secret@h` or `postgresql:/app:secret@h` the text before the first
  // colon is kept and the rest up to the last @ hidden.
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? "";
  const rest = text.slice(scheme.length);
  // The host follows the LAST @: a password may hold @, / ? and # when not percent-encoded, so everything before the
  // last @ is taken for user and password (an @ later in the query over-redacts, which is the safe side).
  const lastAt = rest.lastIndexOf("@");
  if (lastAt < 0) return text;
  const userinfo = rest.slice(0, lastAt);
  const user = userinfo.split(scheme ? /[:/?#]/ : ":")[0]!;
  return `${scheme}${userinfo === user ? user : `${user}:***`}@${rest.slice(lastAt + 1)}`;
}

const URL_SECRET = new RegExp(`([?&;]${SECRET_KEYS}=)[^&#]*`, "gi");
const KEYWORD_SECRET = new RegExp(`(\\b${SECRET_KEYS}\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'?|\\S+)`, "gi");

/** libpq's keyword=value form (`host=h password=x`) has no userinfo: an @ in it belongs to a value. */
function isKeywordValue(text: string): boolean {
  return /^\s*\w+\s*=/.test(text);
}

export function redactConnectionString(text: string): string {
  return isKeywordValue(text)
    ? text.replace(KEYWORD_SECRET, "$1***")
    : redactUserinfo(text).replace(URL_SECRET, "$1***");
}

/** Known secrets (a stack's password) hidden wherever they appear: as written, URL-encoded, or escaped in JSON. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]))
      result = result.split(form).join("***");
  }
  return result;
}

/** Every string inside a plain value (objects, arrays) with the secrets hidden; other values as they are. */
export function redactSecretsDeep<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === "string") return redactSecrets(value, secrets) as T;
  if (Array.isArray(value)) return value.map((item) => redactSecretsDeep(item, secrets)) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactSecretsDeep(item, secrets)])) as T;
  return value;
}
