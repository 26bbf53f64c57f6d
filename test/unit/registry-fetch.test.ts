// Why a registry request failed, in words an operator can act on (pure).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fetchFailure } from '../../src/docker/registry-fetch.js';

const failed = (code: string, message: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });

describe('registry request failures', () => {
  test('a certificate from an unknown CA names the setting that fixes it', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT'])
      assert.equal(
        fetchFailure(failed(code, 'unable to verify the first certificate'), 10_000),
        "its TLS certificate is not trusted (unable to verify the first certificate): give Berth the registry's CA certificate in BERTH_REGISTRY_CA_FILE",
        code,
      );
  });

  test('an expired certificate or one for another host is refused, without pointing at the CA setting', () => {
    const why = fetchFailure(failed('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 10_000);
    assert.equal(why, "its TLS certificate is refused (Hostname/IP does not match certificate's altnames)");
    assert.match(fetchFailure(failed('CERT_HAS_EXPIRED', 'certificate has expired'), 10_000), /^its TLS certificate is refused \(certificate has expired\)$/);
  });

  test('timeouts, bad ports and network errors keep their own words', () => {
    assert.equal(fetchFailure(Object.assign(new Error('t'), { name: 'TimeoutError' }), 10_000), 'no answer within 10 s');
    assert.equal(fetchFailure(new TypeError('fetch failed', { cause: new Error('bad port') }), 10_000), 'the port is one HTTP clients refuse to use');
    assert.equal(fetchFailure(failed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 10_000), 'connect ECONNREFUSED 127.0.0.1:1');
  });
});
