import { z } from 'zod';
import { BerthError, type FieldIssue } from '../model/errors.js';

/** The innermost type name of a schema, through optional/nullable/default wrappers. */
function baseType(schema: z.ZodType): string {
  let def = (schema as any)._zod.def;
  while (def.innerType) def = def.innerType._zod.def;
  // z.preprocess (emptyIsNull) puts a transform in front: the type is what comes out of it
  if (def.type === 'pipe') return baseType(def.in._zod.def.type === 'transform' ? def.out : def.in);
  if (def.type === 'union') {
    const types = (def.options as z.ZodType[]).map(baseType).filter((t) => t !== 'null');
    return types.length === 1 ? types[0] : 'union';
  }
  return def.type;
}

function coerce(type: string, value: string): unknown {
  switch (type) {
    case 'number':
    case 'bigint':
      return value.trim() === '' || Number.isNaN(Number(value)) ? value : Number(value);
    case 'boolean':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'object':
    case 'record':
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    default:
      return value;
  }
}

/**
 * Query strings carry only text: turn each parameter into the type its field declares
 * (numbers, booleans, repeated array parameters), dropping empty values as Dokploy does.
 */
export function fromQuery(schema: z.ZodType, query: Record<string, string | string[] | undefined>): unknown {
  const shape: Record<string, z.ZodType> = (schema as any)._zod.def.shape ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (raw === undefined || raw === '') continue;
    const field = shape[key];
    const type = field ? baseType(field) : 'string';
    if (type === 'array') {
      const itemType = baseType(unwrapArray(field));
      out[key] = (Array.isArray(raw) ? raw : [raw]).map((v) => coerce(itemType, v));
    } else {
      out[key] = coerce(type, Array.isArray(raw) ? raw[raw.length - 1] : raw);
    }
  }
  return out;
}

/**
 * Dokploy's CLI sends every flag as text (it converts only numbers and booleans), so an
 * object or list field arrives as JSON text: read it as the JSON it holds. Text that is
 * not JSON stays text, and the schema refuses it as before.
 */
export function fromCliText(schema: z.ZodType, input: unknown): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return input;
  const shape: Record<string, z.ZodType> = (schema as any)._zod.def.shape ?? {};
  const out: Record<string, unknown> = { ...input };
  for (const [key, value] of Object.entries(out)) {
    if (typeof value !== 'string' || !shape[key]) continue;
    if (['object', 'record', 'array'].includes(baseType(shape[key]))) out[key] = coerce('object', value);
  }
  return out;
}

function unwrapArray(schema: z.ZodType): z.ZodType {
  let def = (schema as any)._zod.def;
  while (def.type !== 'array') def = (def.innerType ?? def.options?.find((o: any) => o._zod.def.type !== 'null'))._zod.def;
  return def.element;
}

/** Validates input against a procedure's schema; a failure names every bad field. */
export function validate<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message,
    code: i.code,
  }));
  const summary = issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
  throw new BerthError('BAD_REQUEST', `Input validation failed: ${summary}`, issues);
}
