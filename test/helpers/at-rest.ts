import Database from 'better-sqlite3';
import path from 'node:path';
import { nativeBinding } from '../../src/store/native-binding.js';

/**
 * Every `table.column` of `<dataDir>/berth.db` whose text contains one of `secrets`,
 * read through a separate read-only connection: what someone holding the file would see.
 */
export function plaintextIn(dataDir: string, secrets: string[]): string[] {
  const db = new Database(path.join(dataDir, 'berth.db'), { nativeBinding, readonly: true, fileMustExist: true });
  try {
    const hits: string[] = [];
    const tables = db.prepare(`select name from sqlite_master where type = 'table'`).pluck().all() as string[];
    for (const table of tables) {
      const columns = (db.prepare(`select name from pragma_table_info(?)`).pluck().all(table) as string[]);
      for (const column of columns) {
        const values = db.prepare(`select "${column}" from "${table}" where typeof("${column}") = 'text'`).pluck().all() as string[];
        for (const secret of secrets) if (values.some((v) => v.includes(secret))) hits.push(`${table}.${column}`);
      }
    }
    return hits;
  } finally {
    db.close();
  }
}
