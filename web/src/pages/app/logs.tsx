import { useState } from 'preact/hooks';
import { useQuery } from '../../hooks';
import { ErrorText } from '../../ui';
import { LogView, useLiveLines } from './live-log';
import './ops.css';
import type { AppProps } from './types';

const SINCE: [string, string][] = [
  ['all', 'All'],
  ['5m', '5 minutes'],
  ['15m', '15 minutes'],
  ['1h', '1 hour'],
  ['6h', '6 hours'],
  ['24h', '24 hours'],
  ['7d', '7 days'],
];
const TAILS = [100, 500, 1000, 5000];

interface Filter {
  search: string;
  since: string;
  tail: number;
}

/**
 * The running application's container logs: the last lines (application.readLogs) or,
 * following, those and each new one (GET /api/application.logStream), filtered by a search,
 * a moment and a line count.
 */
export function Logs({ app }: AppProps) {
  const { applicationId } = app;
  const [draft, setDraft] = useState<Filter>({ search: '', since: 'all', tail: 100 });
  const [filter, setFilter] = useState<Filter>(draft);
  const [follow, setFollow] = useState(false);
  const [round, setRound] = useState(0);
  const input = { applicationId, tail: filter.tail, since: filter.since, search: filter.search || undefined };
  const once = useQuery<string>(follow ? null : 'application.readLogs', input);
  const live = useLiveLines('/api/application.logStream', follow ? input : null, `${follow}|${JSON.stringify(input)}|${round}`);
  const lines = follow ? live.lines : once.data ? once.data.split('\n').filter(Boolean) : [];
  const error = follow ? live.error : once.error;

  return (
    <div class="logs">
      <form
        class="log-filter"
        onSubmit={(e) => {
          e.preventDefault();
          // the same filter again reads the logs again
          if (JSON.stringify(draft) !== JSON.stringify(filter)) setFilter(draft);
          else if (follow) setRound((n) => n + 1);
          else once.reload();
        }}
      >
        <div>
          <label for="log-search">Search</label>
          <input id="log-search" type="search" value={draft.search} maxLength={500} placeholder="text in the line" onInput={(e) => setDraft({ ...draft, search: e.currentTarget.value })} />
        </div>
        <div>
          <label for="log-since">Since</label>
          <select id="log-since" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.currentTarget.value })}>
            {SINCE.map(([value, label]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div>
          <label for="log-tail">Lines</label>
          <select id="log-tail" value={draft.tail} onChange={(e) => setDraft({ ...draft, tail: Number(e.currentTarget.value) })}>
            {TAILS.map((n) => (
              <option value={n}>{n}</option>
            ))}
          </select>
        </div>
        <button type="submit" class="primary">
          Show
        </button>
        <label class="inline follow">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow
        </label>
      </form>
      <ErrorText error={error} />
      <p class="muted" role="status">
        {follow ? (live.live ? 'Following: new lines appear as they are written.' : live.end ? 'The stream ended: the application has no service.' : '') : once.loading ? 'Loading…' : `${lines.length} lines`}
      </p>
      <LogView lines={lines} follow={follow} label="Container logs" empty={follow || once.loading ? 'No lines yet.' : 'No lines match.'} />
    </div>
  );
}
