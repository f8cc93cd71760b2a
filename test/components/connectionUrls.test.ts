/**
 * Every backend exports the client's connection URLs (the pools, with the password) as a
 * Pulumi secret, and no other output carries the password in the clear.
 */
import { describe, expect, it } from "vitest";
import { resolve, runProgram } from "../support/pulumiMocks";

describe.each(["dev", "staging", "prod", "aurora-dev", "aurora-prod", "local"])("stack %s", (stack) => {
  it("exports connectionUrls for the write, read and OLAP pools, as a secret", async () => {
    const { program } = await runProgram(stack);
    const urls = await resolve(program.connectionUrls);
    expect(urls.secret).toBe(true);
    const password = (await resolve(program.password)).value;
    const pools = (await resolve(program.pools)).value;
    const tls = (await resolve(program.tls)).value;
    const { database, user } = {
      database: (await resolve(program.database)).value,
      user: (await resolve(program.user)).value,
    };
    // With TLS required every endpoint is verified in full: against its own CA bundle (Aurora) or the stack's CA, which
    // signs certificates naming every published host. None is only encrypted.
    const mode = (host: string) =>
      tls?.endpoints?.some((e) => e.host === host) || (tls?.required && tls.caPem) ? "?sslmode=verify-full" : "";
    if (stack !== "local") expect(urls.value.primary).toContain("sslmode=verify-full");
    const expected = (endpoint: { host: string; port: number }) =>
      `postgresql://${user}:${encodeURIComponent(password)}@${endpoint.host}:${endpoint.port}/${database}${mode(endpoint.host)}`;
    expect(urls.value.primary).toBe(expected(pools.write));
    expect(urls.value.replica).toBe(expected(pools.read));
    expect(urls.value.olap).toBe(pools.olap ? expected(pools.olap) : undefined);
    expect(new URL(urls.value.replica).host).not.toBe(new URL(urls.value.primary).host);
  });

  it("shows the password in no output that is not secret", async () => {
    const { program } = await runProgram(stack);
    const password = (await resolve(program.password)).value;
    expect(password.length).toBeGreaterThan(4);
    const plain: string[] = [];
    for (const [name, output] of Object.entries(program)) {
      const { value, secret } = await resolve(output as never);
      if (!secret && JSON.stringify(value ?? null).includes(password)) plain.push(name);
    }
    expect(plain).toEqual([]);
  });
});
