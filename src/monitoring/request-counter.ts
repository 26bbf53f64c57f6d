/**
 * HTTP requests answered, by route and status, for `/metrics`. Counting is two map
 * look-ups and an increment: after a route/status pair is first seen, nothing is allocated.
 * Route names come from a fixed set (procedure names and registered routes), so the
 * number of series stays bounded whatever paths clients send.
 */
export class RequestCounter {
  private readonly counts = new Map<string, Map<number, number>>();

  hit(route: string, status: number): void {
    let byStatus = this.counts.get(route);
    if (!byStatus) this.counts.set(route, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  }

  *entries(): Generator<{ route: string; status: number; count: number }> {
    for (const [route, byStatus] of this.counts) for (const [status, count] of byStatus) yield { route, status, count };
  }
}
