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
