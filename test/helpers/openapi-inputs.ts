// Reading operations' inputs out of an OpenAPI document (Berth's, or the contract's copy in test/fixtures).

export type Schema = Record<string, any>;

/** Input fields of an operation: `{name: schema}` and the required names. */
export function inputOf(op: Schema): { props: Record<string, Schema>; required: Set<string> } {
  if (op.requestBody) {
    const s = op.requestBody.content['application/json'].schema;
    return { props: s.properties ?? {}, required: new Set(s.required ?? []) };
  }
  const props: Record<string, Schema> = {};
  const required = new Set<string>();
  for (const p of op.parameters ?? []) {
    props[p.name] = p.schema;
    if (p.required) required.add(p.name);
  }
  return { props, required };
}

/** Enum values anywhere in a property schema (through anyOf/nullable wrappers). */
export function enumsOf(s: Schema): string[] | undefined {
  if (!s || typeof s !== 'object') return undefined;
  if (Array.isArray(s.enum)) return [...s.enum].filter((v) => v !== null).sort();
  for (const alt of s.anyOf ?? []) {
    const e = enumsOf(alt);
    if (e) return e;
  }
  return undefined;
}
