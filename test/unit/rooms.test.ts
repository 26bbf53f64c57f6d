// The rooms of DESIGN §2 (README, Layout): dependency-cruiser checks every import in src/
// and web/ against the rules in .dependency-cruiser.cjs.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const root = path.resolve(import.meta.dirname, '../..');

test('every import in src/ and web/ keeps to the room rules', async () => {
  process.chdir(root);
  const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
  const { output } = await cruise(['src', 'web/src'], options, undefined, { tsConfig: extractTSConfig('tsconfig.json') });
  const { violations, totalCruised } = (output as ICruiseResult).summary;
  assert.ok(totalCruised > 100, `the cruise found the sources (${totalCruised} modules)`);
  const listed = violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
  assert.deepEqual(listed, [], `imports that break the room rules (.dependency-cruiser.cjs):\n${listed.join('\n')}`);
});
