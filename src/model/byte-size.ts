const UNITS = { 1000: ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], 1024: ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] };

/**
 * Bytes with 4 significant digits, as Docker prints them: decimal units ("1.984MB", `docker
 * system df`, go-units HumanSize) or binary ("32.41MiB", `docker stats` memory).
 */
export function byteSize(bytes: number, base: 1000 | 1024): string {
  const units = UNITS[base];
  let v = bytes;
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}
