/** Builds the dashboard into `outDir` (default dist/web) with gzip and brotli forms; resolves to `outDir`. */
export function buildWeb(outDir?: string): Promise<string>;
