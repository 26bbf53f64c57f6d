import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { generatedHost, normalizeHost } from '../../src/model/domain.js';
import { hostToCheck, judgeARecords } from '../../src/routing/dns-check.js';
import { cachedHash, prepareHashes } from '../../src/routing/htpasswd.js';

describe('generated hosts', () => {
  test('<appName>-<random>.<wildcard>, with the server IP in dashes when it is known', () => {
    assert.equal(generatedHost('shop-a1b2c3', 'f00d42', 'traefik.me', ''), 'shop-a1b2c3-f00d42.traefik.me');
    assert.equal(generatedHost('shop-a1b2c3', 'f00d42', 'sslip.io', '203.0.113.7'), 'shop-a1b2c3-f00d42-203-0-113-7.sslip.io');
  });

  test('any app name becomes one valid DNS label of at most 40 characters', () => {
    for (const name of ['My_App.v2', '---', 'x'.repeat(90), 'Ünïcode app', '-lead-']) {
      const host = generatedHost(name, 'abcdef', 'traefik.me', '');
      assert.ok('host' in normalizeHost(host), `${name} → ${host}`);
      assert.ok(host.split('-abcdef')[0].length <= 40, host);
    }
    assert.equal(generatedHost('My_App.v2', 'abcdef', 'traefik.me', ''), 'my-app-v2-abcdef.traefik.me');
    assert.equal(generatedHost('---', 'abcdef', 'traefik.me', ''), 'app-abcdef.traefik.me');
  });
});

describe('domain DNS check', () => {
  test('a pasted URL is checked as its host; what is not a host name is said so', () => {
    assert.deepEqual(hostToCheck(' HTTPS://Shop.Example.com/path?q=1 '), { host: 'shop.example.com' });
    assert.ok('error' in hostToCheck('not a host'));
  });

  test('A records are valid when they include the expected IP, or any when none is expected', () => {
    assert.deepEqual(judgeARecords(['203.0.113.7']), { isValid: true, resolvedIp: '203.0.113.7' });
    assert.deepEqual(judgeARecords(['198.51.100.1', '203.0.113.7'], '203.0.113.7'), { isValid: true, resolvedIp: '198.51.100.1, 203.0.113.7' });
    assert.deepEqual(judgeARecords(['198.51.100.1'], '203.0.113.7'), {
      isValid: false,
      resolvedIp: '198.51.100.1',
      error: 'The domain resolves to 198.51.100.1 but should point to 203.0.113.7',
    });
    assert.equal(judgeARecords([]).isValid, false);
  });
});

describe('basic-auth hashes', () => {
  test('the file gets a bcrypt hash Traefik can check the password against, never the password', async () => {
    await prepareHashes([{ username: 'ann', password: 's3cret pass' }]);
    const hash = cachedHash('ann', 's3cret pass');
    assert.ok(hash && /^\$2[aby]\$10\$/.test(hash), hash);
    assert.ok(!hash.includes('s3cret'));
    assert.ok(await bcrypt.compare('s3cret pass', hash));
    assert.ok(!(await bcrypt.compare('other', hash)));
  });

  test('the same user and password keep their hash (a re-render leaves the file unchanged); a new password gets a new one', async () => {
    await prepareHashes([{ username: 'bob', password: 'one' }, { username: 'bob', password: 'one' }]);
    const first = cachedHash('bob', 'one');
    await prepareHashes([{ username: 'bob', password: 'one' }, { username: 'bob', password: 'two' }]);
    assert.equal(cachedHash('bob', 'one'), first);
    assert.ok(cachedHash('bob', 'two'));
    assert.notEqual(cachedHash('bob', 'two'), first);
    assert.equal(cachedHash('carl', 'never prepared'), undefined);
  });
});
