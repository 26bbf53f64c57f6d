import type { AppProps } from './types';

// PLACEHOLDER until the H-C branch lands (this session); replaced, never shipped as is.
export function Logs(_: AppProps) {
  return <p class="muted">Not built yet.</p>;
}
