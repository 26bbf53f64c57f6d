import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';

/** A real S3-compatible server (s3rver, on a loopback port) with one bucket, and its credentials. */
export async function startS3(bucket = 'backups') {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port } = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    // s3rver's fixed account
    accessKey: 'S3RVER',
    secretAccessKey: 'S3RVER',
    /** The keys in the bucket, read from the server's own storage. */
    async keys(prefix = ''): Promise<string[]> {
      const { objects } = await server.store.listObjects(bucket, { prefix, maxKeys: 1000 });
      return objects.map((o: { key: string }) => o.key).sort();
    },
    async close() {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
