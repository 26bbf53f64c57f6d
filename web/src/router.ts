import { useEffect, useState } from 'preact/hooks';

/**
 * Client-side routes on the History API: the server answers index.html for any dashboard
 * path, so every page has a real URL (reload and links work).
 */

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((fn) => fn());
addEventListener('popstate', notify);

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', to);
  notify();
  scrollTo(0, 0);
}

/** The current path and query, re-rendering on every navigation. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = () => setTick((n) => n + 1);
    listeners.add(fn);
    return () => void listeners.delete(fn);
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}

/** `/application/:applicationId/:tab?` against a path: the parameters, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < Math.max(want.length, have.length); i++) {
    const w = want[i];
    if (w === undefined) return null;
    const optional = w.endsWith('?');
    const name = w.replace(/^:|\?$/g, '');
    if (have[i] === undefined) {
      if (optional) continue;
      return null;
    }
    if (w.startsWith(':')) params[name] = decodeURIComponent(have[i]);
    else if (w !== have[i]) return null;
  }
  return params;
}

/** Same-origin links navigate without a page load (modified clicks keep the browser's meaning). */
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest?.('a');
  const href = a?.getAttribute('href');
  if (!a || !href || !href.startsWith('/') || href.startsWith('//') || a.target || a.hasAttribute('download')) return;
  e.preventDefault();
  navigate(href);
});
