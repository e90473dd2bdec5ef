// The home's graph: devices and the remote services they talk to, named by
// the DNS names each device resolved, an edge's width by its traffic.  The
// layout is d3-force's, run to rest before drawing (no animation, so it
// costs nothing once drawn) and started again from the previous positions
// when the data changes, so a new edge does not reshuffle the picture.
import { forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY } from 'd3-force';
import type { SimulationLinkDatum, SimulationNodeDatum } from 'd3-force';
import { useMemo, useRef } from 'preact/hooks';

import type { StateInfo } from '../devices';
import { bytes } from '../format';
import { devicePath, navigate } from '../router';

export interface GraphDevice {
  mac: string;
  name: string;
  state: StateInfo;
  rate: number; // bytes per second now, from the live stream
}

export interface GraphEdge {
  mac: string;
  remote: string; // the name, or the address where no name was resolved
  bytes: number;
}

interface Node extends SimulationNodeDatum {
  id: string;
  kind: 'device' | 'remote';
  label: string;
  mac?: string;
}

interface Link extends SimulationLinkDatum<Node> {
  bytes: number;
}

const positions = new Map<string, { x: number; y: number }>();

function layout(devices: GraphDevice[], edges: GraphEdge[]): { nodes: Node[]; links: Link[] } {
  const nodes = new Map<string, Node>();
  for (const d of devices) nodes.set(`d:${d.mac}`, { id: `d:${d.mac}`, kind: 'device', label: d.name, mac: d.mac });
  for (const e of edges) {
    const id = `r:${e.remote}`;
    if (!nodes.has(id)) nodes.set(id, { id, kind: 'remote', label: e.remote });
  }
  let i = 0;
  for (const n of nodes.values()) {
    const p = positions.get(n.id);
    const angle = (i++ / Math.max(1, nodes.size)) * 2 * Math.PI;
    const r = n.kind === 'device' ? 80 : 260;
    n.x = p?.x ?? r * Math.cos(angle);
    n.y = p?.y ?? r * Math.sin(angle);
  }
  const links: Link[] = edges
    .filter((e) => nodes.has(`d:${e.mac}`))
    .map((e) => ({ source: `d:${e.mac}`, target: `r:${e.remote}`, bytes: e.bytes }));
  const list = [...nodes.values()];
  const fresh = list.some((n) => !positions.has(n.id));
  const sim = forceSimulation<Node, Link>(list)
    .force(
      'link',
      forceLink<Node, Link>(links)
        .id((n) => n.id)
        .distance(110)
        .strength(0.6),
    )
    .force('charge', forceManyBody<Node>().strength((n) => (n.kind === 'device' ? -500 : -160)))
    .force('collide', forceCollide<Node>((n) => (n.kind === 'device' ? 44 : 30)))
    .force('x', forceX<Node>(0).strength(0.04))
    .force('y', forceY<Node>(0).strength(0.06))
    .stop();
  sim.alpha(fresh ? 1 : 0.3);
  const ticks = fresh ? 300 : 80;
  for (let t = 0; t < ticks; ++t) sim.tick();
  for (const n of list) positions.set(n.id, { x: n.x ?? 0, y: n.y ?? 0 });
  return { nodes: list, links };
}

function edgeWidth(b: number, max: number): number {
  if (b <= 0 || max <= 0) return 1;
  return 1 + 6 * (Math.log1p(b) / Math.log1p(max));
}

function short(label: string, n = 26): string {
  return label.length > n ? `${label.slice(0, n - 1)}…` : label;
}

export function Graph({ devices, edges, label }: { devices: GraphDevice[]; edges: GraphEdge[]; label: string }) {
  const svg = useRef<SVGSVGElement>(null);
  // Laid out again only when who talks to whom changes, not when a rate or
  // a state does (the live stream changes those every second).
  const shape = `${devices.map((d) => d.mac).join(',')}|${edges.map((e) => `${e.mac}>${e.remote}`).join(',')}`;
  const { nodes, links } = useMemo(() => layout(devices, edges), [shape]);
  const byMac = new Map(devices.map((d) => [d.mac, d]));
  const pad = 70;
  const xs = nodes.map((n) => n.x ?? 0);
  const ys = nodes.map((n) => n.y ?? 0);
  const minX = Math.min(-100, ...xs) - pad;
  const maxX = Math.max(100, ...xs) + pad;
  const minY = Math.min(-100, ...ys) - pad / 2;
  const maxY = Math.max(100, ...ys) + pad;
  const maxBytes = Math.max(0, ...links.map((l) => l.bytes));
  return (
    <svg
      ref={svg}
      class="graph"
      viewBox={`${minX} ${minY} ${maxX - minX} ${maxY - minY}`}
      role="group"
      aria-label={label}
    >
      <g class="edges">
        {links.map((l) => {
          const s = l.source as Node;
          const t = l.target as Node;
          return (
            <line
              key={`${s.id}>${t.id}`}
              x1={s.x}
              y1={s.y}
              x2={t.x}
              y2={t.y}
              stroke-width={edgeWidth(l.bytes, maxBytes)}
            >
              <title>{`${s.label} ↔ ${t.label}: ${bytes(l.bytes)}`}</title>
            </line>
          );
        })}
      </g>
      <g class="remotes">
        {nodes
          .filter((n) => n.kind === 'remote')
          .map((n) => (
            <g key={n.id} transform={`translate(${n.x ?? 0},${n.y ?? 0})`} class="remote">
              <rect x={-5} y={-5} width={10} height={10} rx={2} />
              <text y={20} text-anchor="middle">
                {short(n.label)}
              </text>
              <title>{n.label}</title>
            </g>
          ))}
      </g>
      <g class="devices">
        {nodes
          .filter((n) => n.kind === 'device' && n.mac !== undefined && byMac.has(n.mac))
          .map((n) => {
            const d = byMac.get(n.mac ?? '') as GraphDevice;
            const href = devicePath(d.mac);
            return (
              <a
                key={n.id}
                href={href}
                class={`device-node state-${d.state.state}`}
                data-mac={d.mac}
                aria-label={`${d.name}: ${d.state.label}`}
                onClick={(e) => {
                  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
                  e.preventDefault();
                  navigate(href);
                }}
              >
                <g transform={`translate(${n.x ?? 0},${n.y ?? 0})`}>
                  {d.rate > 0 && <circle class="pulse" r={24} />}
                  <circle r={18} />
                  <text class="symbol" y={6} text-anchor="middle" aria-hidden="true">
                    {d.state.symbol}
                  </text>
                  <text class="name" y={36} text-anchor="middle">
                    {short(d.name, 22)}
                  </text>
                  {d.rate > 0 && (
                    <text class="rate" y={50} text-anchor="middle">
                      {`${bytes(d.rate)}/s`}
                    </text>
                  )}
                </g>
              </a>
            );
          })}
      </g>
    </svg>
  );
}
