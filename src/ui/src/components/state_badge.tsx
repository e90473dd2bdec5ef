import type { StateInfo } from '../devices';

// A state as symbol and word as well as colour.
export function StateBadge({ info }: { info: StateInfo }) {
  return (
    <span class={`badge state-${info.state}`} title={info.description}>
      <span aria-hidden="true">{info.symbol}</span> {info.label}
    </span>
  );
}
