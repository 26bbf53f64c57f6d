import type { AppProps } from './types';

// PLACEHOLDER until the H-B branch lands (this session); replaced, never shipped as is.
export function EnvironmentTab(_: AppProps) {
  return <p class="muted">Not built yet.</p>;
}
