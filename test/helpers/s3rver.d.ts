// s3rver ships no types; the tests use its constructor, run, close and its store's listing.
declare module 's3rver' {
  export default class S3rver {
    constructor(options: Record<string, unknown>);
    run(): Promise<unknown>;
    close(): Promise<void>;
    store: { listObjects(bucket: string, options: Record<string, unknown>): Promise<{ objects: { key: string }[] }> };
  }
}
