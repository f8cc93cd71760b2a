/** The series selectors in a PromQL expression (every metric we query carries a {…} matcher). Pure. */
const SELECTOR = /([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^{}]*)\}/g;

export function metricSelectors(expr: string): string[] {
  return [...new Set([...expr.matchAll(SELECTOR)].map((match) => `${match[1]}{${match[2]}}`))];
}
