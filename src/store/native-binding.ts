import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';

/** Where scripts/native-modules.mjs puts the module it builds for a Node ABI npm did not build for. */
const built = path.join(packageRoot, 'node_modules', '.berth-native', `abi-${process.versions.modules}`, 'better_sqlite3.node');

/** better-sqlite3's native module for the running Node; undefined: the one npm built. */
export const nativeBinding: string | undefined = fs.existsSync(built) ? built : undefined;
