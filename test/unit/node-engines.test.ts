import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { NodeEngines, nodeEngineOptions } from '../../src/docker/nodes.js';

// How Berth reaches a node's engine from its `berth.engine` label, and what it says when it
// cannot. test/cluster-engine-tls.test.ts proves it against a real engine on tcp with TLS.

describe("a node's engine endpoint", () => {
  test('a unix socket is reached as it is', () => {
    assert.deepEqual(nodeEngineOptions('unix:///run/berth-node-1.sock', undefined), {
      options: { socketPath: '/run/berth-node-1.sock', host: undefined, protocol: 'http', version: 'v1.41' },
    });
  });

  test("tcp is reached over TLS with Berth's client certificate from BERTH_NODE_CERT_PATH", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-node-certs-'));
    try {
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(dir, f), `${f} bytes`);
      const r = nodeEngineOptions('tcp://10.231.0.12:2376', dir);
      assert.ok('options' in r);
      assert.deepEqual({ ...r.options, ca: String(r.options.ca), cert: String(r.options.cert), key: String(r.options.key) }, {
        host: '10.231.0.12',
        port: 2376,
        protocol: 'https',
        ca: 'ca.pem bytes',
        cert: 'cert.pem bytes',
        key: 'key.pem bytes',
        version: 'v1.41',
      });
      const v6 = nodeEngineOptions('tcp://[fd00::12]:2376', dir);
      assert.ok('options' in v6 && v6.options.host === 'fd00::12');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without a client certificate, with one that cannot be read, or at any other kind of address, the reason is said', () => {
    assert.deepEqual(nodeEngineOptions('tcp://10.231.0.12:2376', undefined), {
      unreachable: "it takes TLS with Berth's client certificate: set BERTH_NODE_CERT_PATH to a directory holding ca.pem, cert.pem and key.pem",
    });
    const missing = nodeEngineOptions('tcp://10.231.0.12:2376', '/nonexistent/berth-certs');
    assert.ok('unreachable' in missing);
    assert.match(missing.unreachable, /^Berth's client certificate in BERTH_NODE_CERT_PATH cannot be read \(ENOENT.*ca\.pem'\)$/);
    for (const other of ['http://10.231.0.12:2375', 'ssh://root@node', 'tcp://node', 'unix://relative.sock'])
      assert.deepEqual(nodeEngineOptions(other, '/certs'), { unreachable: 'it is neither unix:///<socket> nor tcp://<host>:<port>' }, other);
  });

  test('NodeEngines keeps one engine per endpoint, and says why it has none', () => {
    const engines = new NodeEngines(undefined);
    const unix = engines.at('unix:///run/x.sock');
    assert.ok(unix);
    assert.equal(engines.at('unix:///run/x.sock'), unix);
    assert.equal(engines.whyNot('unix:///run/x.sock'), undefined);
    assert.equal(engines.at('tcp://10.0.0.2:2376'), undefined);
    assert.match(engines.whyNot('tcp://10.0.0.2:2376')!, /^Berth does not reach the Docker engine at tcp:\/\/10\.0\.0\.2:2376: it takes TLS with Berth's client certificate: set BERTH_NODE_CERT_PATH/);
  });
});
