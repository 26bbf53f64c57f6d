// The backup room's pure parts: archive names, retention, the manifest's checks, S3 request
// building and parsing, the encryption format, cron reading.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { describe, test } from 'node:test';
import { decodeHeader, decryptingStream, encryptingStream, HEADER_SIZE, isEncrypted, MAGIC, PassphraseError } from '../../src/backup/encryption.js';
import { fileProblems, parseManifest, schemaRefusal, type Manifest } from '../../src/backup/manifest.js';
import { archiveName, archiveTime, keyOf } from '../../src/backup/naming.js';
import { keysToDelete } from '../../src/backup/retention.js';
import { parseListPage, s3ErrorText, s3Request } from '../../src/backup/s3-request.js';
import { cronProblem, dueTimes } from '../../src/backup/scheduler.js';
import { normalizePrefix } from '../../src/model/backup.js';

const at = (iso: string) => new Date(iso);

describe('archive names', () => {
  test('carry the UTC time to the millisecond, and say when they are encrypted', () => {
    assert.equal(archiveName(at('2026-12-03T04:05:06.789Z'), false), 'berth-backup-2026-12-03T04-05-06-789Z.tar.gz');
    assert.equal(archiveName(at('2026-12-03T04:05:06.789Z'), true), 'berth-backup-2026-12-03T04-05-06-789Z.tar.gz.enc');
    assert.equal(archiveTime('berth-backup-2026-12-03T04-05-06-789Z.tar.gz.enc'), '2026-12-03T04-05-06-789Z');
    assert.equal(archiveTime('webserver-backup-2026-12-03T04-05-06-789Z.zip'), null);
    assert.equal(archiveTime('berth-backup-2026-12-03T04-05-06-789Z.tar.gz.bak'), null);
  });

  test('prefixes are folders: "/" and "" are the top, slashes are trimmed', () => {
    assert.equal(normalizePrefix('/'), '');
    assert.equal(normalizePrefix('//nightly//berth/'), 'nightly/berth');
    assert.equal(keyOf('/', 'a.tar.gz'), 'a.tar.gz');
    assert.equal(keyOf('/nightly/', 'a.tar.gz'), 'nightly/a.tar.gz');
  });
});

describe('retention', () => {
  const name = (i: number, enc = false) => archiveName(new Date(Date.UTC(2026, 0, 1, 0, 0, i)), enc);
  test('keeps the newest N of this folder, whatever order the listing has', () => {
    const keys = [3, 1, 4, 0, 2].map((i) => `p/${name(i)}`);
    assert.deepEqual(keysToDelete(keys, 'p', 2), [`p/${name(2)}`, `p/${name(1)}`, `p/${name(0)}`]);
  });
  test('never chooses another file, a sub-folder\'s archive, or another folder\'s', () => {
    const keys = [`p/${name(0)}`, `p/${name(1)}`, 'p/notes.txt', 'p/webserver-backup-2020-01-01T00-00-00-000Z.zip', `p/old/${name(0)}`, `q/${name(0)}`, `p-2/${name(0)}`];
    assert.deepEqual(keysToDelete(keys, 'p', 1), [`p/${name(0)}`]);
  });
  test('the top folder counts only top-level archives', () => {
    assert.deepEqual(keysToDelete([name(0), name(1), `p/${name(0)}`], '', 1), [name(0)]);
  });
  test('null or 0 keeps everything; fewer than N deletes nothing', () => {
    const keys = [0, 1, 2].map((i) => name(i));
    assert.deepEqual(keysToDelete(keys, '', null), []);
    assert.deepEqual(keysToDelete(keys, '', 0), []);
    assert.deepEqual(keysToDelete(keys, '', 3), []);
  });
  test('encrypted and plain archives count alike', () => {
    assert.deepEqual(keysToDelete([name(0), name(1, true), name(2)], '', 2), [name(0)]);
  });
});

describe('the manifest', () => {
  const file = (path: string, sha = 'a') => ({ path, size: 1, sha256: sha.repeat(64) });
  const manifest = (over: Partial<Manifest> = {}): Manifest => ({
    format: 'berth-backup',
    formatVersion: 1,
    berthVersion: '0.1.0',
    schema: { migration: '0001_b', when: 2000 },
    createdAt: '2026-12-03T00:00:00.000Z',
    includesSecretKey: true,
    files: [file('berth.db'), file('secret.key'), file('traefik/dynamic/a.yml')],
    ...over,
  });
  const known = [
    { tag: '0000_a', when: 1000 },
    { tag: '0001_b', when: 2000 },
  ];

  test('round-trips, and anything else is refused with the reason', () => {
    assert.deepEqual(parseManifest(JSON.stringify(manifest())), manifest());
    assert.throws(() => parseManifest('{'), /not JSON/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest(), formatVersion: 2 })), /formatVersion/);
    assert.throws(() => parseManifest(JSON.stringify(manifest({ files: [file('../etc/passwd')] }))), /files\.0\.path/);
    assert.throws(() => parseManifest(JSON.stringify(manifest({ files: [file('/etc/passwd')] }))), /relative path/);
  });

  test('a schema this code knows is taken; a newer or unknown one is refused', () => {
    assert.equal(schemaRefusal({ migration: '0001_b', when: 2000 }, known, '0.1.0'), null);
    assert.equal(schemaRefusal({ migration: '0000_a', when: 1000 }, known, '0.1.0'), null);
    assert.match(schemaRefusal({ migration: '0002_c', when: 3000 }, known, '0.1.0')!, /newer than this Berth 0\.1\.0 knows \(latest 0001_b\)/);
    assert.match(schemaRefusal({ migration: '0000_x', when: 1500 }, known, '0.1.0')!, /not one this Berth 0\.1\.0 knows/);
  });

  test('the files found must be exactly those listed, with their checksums', () => {
    const m = manifest();
    assert.deepEqual(fileProblems(m, m.files), []);
    assert.deepEqual(fileProblems(m, [file('berth.db'), file('secret.key', 'b'), file('extra')]), ['secret.key does not match its checksum', 'traefik/dynamic/a.yml is missing', 'extra is not in the manifest']);
    assert.deepEqual(fileProblems(manifest({ files: [] }), []), ['berth.db is not listed', 'secret.key is not listed']);
    assert.deepEqual(fileProblems(manifest({ includesSecretKey: false, files: [file('berth.db')] }), [file('berth.db')]), []);
  });
});

describe('S3 requests', () => {
  const target = { endpoint: 'http://127.0.0.1:9000', region: 'eu-west-1', bucket: 'backups', accessKey: 'AKID', secretAccessKey: 'SECRET' };
  const now = at('2026-12-03T10:00:00.000Z');

  test('are path-style, signed with SigV4 for the region, the payload hash signed too', () => {
    const r = s3Request(target, { method: 'PUT', key: 'nightly/berth backup+1.tar.gz', payloadSha256: 'ab'.repeat(32), headers: { 'Content-Length': '10' } }, now);
    assert.equal(r.url, 'http://127.0.0.1:9000/backups/nightly/berth%20backup%2B1.tar.gz');
    assert.equal(r.headers['X-Amz-Content-Sha256'], 'ab'.repeat(32));
    assert.equal(r.headers['X-Amz-Date'], '20261203T100000Z');
    assert.match(r.headers.Authorization, /^AWS4-HMAC-SHA256 Credential=AKID\/20261203\/eu-west-1\/s3\/aws4_request, SignedHeaders=content-length;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
    assert.ok(!JSON.stringify(r).includes('SECRET'), 'the secret key is never in a request');
    // the same request at the same time signs the same; another key signs differently
    assert.equal(s3Request(target, { method: 'PUT', key: 'nightly/berth backup+1.tar.gz', payloadSha256: 'ab'.repeat(32), headers: { 'Content-Length': '10' } }, now).headers.Authorization, r.headers.Authorization);
    assert.notEqual(s3Request({ ...target, secretAccessKey: 'OTHER' }, { method: 'PUT', key: 'nightly/berth backup+1.tar.gz', payloadSha256: 'ab'.repeat(32), headers: { 'Content-Length': '10' } }, now).headers.Authorization, r.headers.Authorization);
  });

  test('the signature is the one AWS\'s Signature v4 rules give (computed here independently of the signer)', () => {
    const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
    const signatureOf = (method: string, path: string, query: string, headers: Record<string, string>, payload: string) => {
      const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
      const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      const canonical = [method, path, query, ...names.map((n) => `${n}:${lower[n]}`), '', names.join(';'), payload].join('\n');
      const scope = '20261203/eu-west-1/s3/aws4_request';
      const toSign = ['AWS4-HMAC-SHA256', '20261203T100000Z', scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
      const key = ['20261203', 'eu-west-1', 's3', 'aws4_request'].reduce<Buffer | string>((k, part) => hmac(k, part), 'AWS4SECRET');
      return createHmac('sha256', key).update(toSign).digest('hex');
    };
    const put = s3Request(target, { method: 'PUT', key: 'nightly/berth backup+1.tar.gz', payloadSha256: 'ab'.repeat(32), headers: { 'Content-Length': '10' } }, now);
    const putHeaders = { 'content-length': '10', host: '127.0.0.1:9000', 'x-amz-content-sha256': 'ab'.repeat(32), 'x-amz-date': '20261203T100000Z' };
    assert.equal(put.headers.Authorization.split('Signature=')[1], signatureOf('PUT', '/backups/nightly/berth%20backup%2B1.tar.gz', '', putHeaders, 'ab'.repeat(32)));
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const list = s3Request(target, { method: 'GET', query: { 'list-type': '2', prefix: 'a b/', delimiter: '/' } }, now);
    const listHeaders = { host: '127.0.0.1:9000', 'x-amz-content-sha256': empty, 'x-amz-date': '20261203T100000Z' };
    assert.equal(list.headers.Authorization.split('Signature=')[1], signatureOf('GET', '/backups', 'delimiter=%2F&list-type=2&prefix=a%20b%2F', listHeaders, empty));
  });

  test('ListObjectsV2 is a bucket GET with its query sorted and encoded; DELETE names the key', () => {
    const list = s3Request(target, { method: 'GET', query: { 'list-type': '2', prefix: 'a b/', delimiter: '/' } }, now);
    assert.equal(list.url, 'http://127.0.0.1:9000/backups?delimiter=%2F&list-type=2&prefix=a%20b%2F');
    assert.equal(list.headers['X-Amz-Content-Sha256'], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(s3Request(target, { method: 'DELETE', key: 'k' }, now).url, 'http://127.0.0.1:9000/backups/k');
  });

  test('an empty endpoint is AWS\'s for the region; a bare host is https', () => {
    assert.equal(s3Request({ ...target, endpoint: '' }, { method: 'GET', key: 'k' }, now).url, 'https://s3.eu-west-1.amazonaws.com/backups/k');
    assert.equal(s3Request({ ...target, endpoint: 'minio.example.com:9000' }, { method: 'GET', key: 'k' }, now).url, 'https://minio.example.com:9000/backups/k');
  });

  test('listings and errors are read from the XML', () => {
    const page = parseListPage(`<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t&amp;1</NextContinuationToken>
      <Contents><Key>p/a&amp;b.tar.gz</Key><Size>12</Size></Contents><Contents><Key>p/c</Key><Size>0</Size></Contents>
      <CommonPrefixes><Prefix>p/sub/</Prefix></CommonPrefixes></ListBucketResult>`);
    assert.deepEqual(page, { objects: [{ key: 'p/a&b.tar.gz', size: 12 }, { key: 'p/c', size: 0 }], folders: ['p/sub/'], nextToken: 't&1' });
    assert.equal(parseListPage('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>').nextToken, undefined);
    assert.equal(s3ErrorText(404, '<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>'), 'NoSuchBucket: The specified bucket does not exist');
    assert.equal(s3ErrorText(502, ''), 'HTTP 502');
  });
});

describe('encryption', () => {
  // small scrypt parameters: the format is the same, the test is fast
  const fast = { log2N: 10, r: 8, p: 1 };
  const plain = Buffer.from('x'.repeat(100_000) + 'the end');
  const encrypt = async (data: Buffer, passphrase: string) => buffer(Readable.from([data.subarray(0, 5), data.subarray(5)]).pipe(await encryptingStream(passphrase, fast)));

  test('round-trips in chunks of any size, with a readable header', async () => {
    const sealed = await encrypt(plain, 'correct horse');
    assert.ok(isEncrypted(sealed));
    assert.ok(sealed.subarray(0, MAGIC.length).toString('ascii').startsWith('BERTH-ENCRYPTED-BACKUP'));
    assert.deepEqual(decodeHeader(sealed).kdf, fast);
    assert.equal(sealed.length, HEADER_SIZE + plain.length + 16);
    const chunks = [sealed.subarray(0, 3), sealed.subarray(3, HEADER_SIZE + 1), sealed.subarray(HEADER_SIZE + 1, sealed.length - 7), sealed.subarray(sealed.length - 7)];
    assert.deepEqual(await buffer(Readable.from(chunks).pipe(decryptingStream('correct horse'))), plain);
    assert.ok(!isEncrypted(Buffer.from([0x1f, 0x8b, 8, 0])));
  });

  test('a wrong passphrase is told as such, before any output', async () => {
    const sealed = await encrypt(plain, 'correct horse');
    let out = 0;
    const d = decryptingStream('wrong');
    d.on('data', (c: Buffer) => (out += c.length));
    await assert.rejects(pipeline(Readable.from([sealed]), d), (err: Error) => err instanceof PassphraseError && /wrong passphrase/.test(err.message));
    assert.equal(out, 0);
  });

  test('a changed byte or a cut file fails', async () => {
    const sealed = await encrypt(plain, 'pw');
    const altered = Buffer.from(sealed);
    altered[HEADER_SIZE + 500] ^= 1;
    await assert.rejects(buffer(Readable.from([altered]).pipe(decryptingStream('pw'))), /altered or damaged/);
    await assert.rejects(buffer(Readable.from([sealed.subarray(0, HEADER_SIZE + 3)]).pipe(decryptingStream('pw'))), /altered or damaged|cut short/);
    const forged = Buffer.from(sealed);
    forged[MAGIC.length + 2] = 40; // log2N
    await assert.rejects(buffer(Readable.from([forged]).pipe(decryptingStream('pw'))), /out of bounds/);
  });
});

describe('cron', () => {
  test('five fields, or six with seconds; anything else is named', () => {
    assert.equal(cronProblem('0 3 * * *'), null);
    assert.equal(cronProblem('*/5 * * * * *'), null);
    assert.match(cronProblem('every day')!, /five, six/);
    assert.match(cronProblem('61 * * * *')!, /./);
  });
  test('the times due between two instants, from after the first', () => {
    // hourly: the same in every whole-hour time zone (schedules are in the server's)
    assert.deepEqual(dueTimes('0 * * * *', at('2026-12-03T10:00:00Z'), at('2026-12-03T12:30:00Z')).map((d) => d.toISOString()), ['2026-12-03T11:00:00.000Z', '2026-12-03T12:00:00.000Z']);
    assert.deepEqual(dueTimes('0 * * * *', at('2026-12-03T12:00:00Z'), at('2026-12-03T12:59:59Z')), []);
    assert.equal(dueTimes('* * * * * *', at('2026-12-03T12:00:00Z'), at('2026-12-04T12:00:00Z')).length, 1000, 'counted up to the cap');
  });
});
