import { getTableColumns, type Column, type Table } from 'drizzle-orm';

/**
 * SQL rendering one row of `table` (under `alias`) as a JSON object holding the values
 * Drizzle would map: booleans as true/false, JSON columns embedded. A read that needs a
 * row and all its relations can then be one statement and one JSON.parse, instead of a
 * statement per relation and a generic mapping of every column. `omit` leaves columns
 * (secrets) out of the SQL entirely.
 */
export function jsonObjectSql(table: Table, alias: string, omit: readonly string[] = []): string {
  const parts = Object.values(getTableColumns(table))
    .filter((c) => !omit.includes(c.name))
    .map((c) => `'${c.name}', ${jsonValue(c, `${alias}."${c.name}"`)}`);
  return `json_object(${parts.join(', ')})`;
}

function jsonValue(column: Column, ref: string): string {
  switch (column.columnType) {
    case 'SQLiteBoolean':
      return `json(case when ${ref} is null then null when ${ref} then 'true' else 'false' end)`;
    case 'SQLiteTextJson':
      return `json(${ref})`;
    case 'SQLiteText':
    case 'SQLiteInteger':
    case 'SQLiteReal':
      return ref;
    default:
      // a mapping this function does not know would silently differ from Drizzle's
      throw new Error(`jsonObjectSql: no JSON rendering for ${column.columnType} column "${column.name}"`);
  }
}
