// The API's JSON as docs/api.md describes it: only the fields the UI reads.

export type Stage = 'none' | 'alert' | 'restrict' | 'quarantine';

export interface Address {
  ip: string;
  first_seen: number;
  last_seen: number;
  via: string[];
}

export interface Device {
  mac: string;
  confirmed: boolean;
  name: string;
  notes: string;
  hostname: string;
  vendor: string;
  vendor_kind: string;
  vendor_class: string;
  dhcp_fingerprint: string;
  client_id: string;
  mud_url: string;
  duid: string;
  fqdn: string;
  mdns_names: string[];
  services: string[];
  ssdp: { server: string; location: string; types: string[] };
  lldp_system_name: string;
  ips: string[];
  addresses: Address[];
  first_seen: number;
  last_seen: number;
  agents: string[];
  stage: Stage;
}

export interface Counters {
  pkts_out: number;
  bytes_out: number;
  pkts_in: number;
  bytes_in: number;
  blocked_pkts: number;
}

export interface TrafficPoint extends Counters {
  time: number;
  flows: number;
}

export interface Traffic {
  mac: string;
  from: number;
  to: number;
  step: number;
  level: string;
  series: TrafficPoint[];
}

export interface Destination extends Counters {
  remote_ip: string;
  names: string[];
  proto: number;
  remote_port: number;
  flows: number;
  first_bucket: number;
  last_bucket: number;
}

export interface Destinations {
  mac: string;
  from: number;
  to: number;
  level: string;
  destinations: Destination[];
}

export interface SpinEvent {
  id: number;
  time: number;
  type: string;
  device?: string;
  agent?: string;
  [field: string]: unknown;
}

export interface AgentAck {
  agent: string;
  state: string;
  rule_id?: number;
  version?: number;
  error?: string;
  note?: string;
}

export interface Block {
  id: number;
  type: string; // quarantine, device_remote, device_name
  mac: string;
  remote?: string;
  domain?: string;
  reason: string;
  created: number;
  expires: number | null;
  active: boolean;
  removed?: number;
  removed_reason?: string;
  agents: AgentAck[];
}

export interface Override {
  id: number;
  device: string;
  action: 'allow' | 'pin';
  detector: string;
  stage?: Stage;
  created: number;
  expires: number | null;
  reason: string;
}

export interface Agent {
  id: string;
  publish: string;
  commands: string;
  curve: boolean;
  connected: boolean;
  boot: number | null;
  first_seen: number | null;
  last_seen: number | null;
  digest_seq: number;
  event_seq: number;
  rules_version: number;
  rules: number;
  batches: number;
  records: number;
  events: number;
  digest_gaps: number;
  digests_lost: number;
  event_gaps: number;
  events_lost: number;
  bad_messages: number;
  restarts: number;
}

export interface MudAce {
  acl: string;
  name: string;
  pkts: number;
  bytes: number;
}

export interface MudViolation {
  remote_ip: string;
  names: string[];
  proto: number;
  remote_port: number;
  device_port: number;
  direction: 'in' | 'out';
  pkts: number;
  bytes: number;
  dropped_pkts: number;
  first: number;
  last: number;
}

export interface MudProfileSummary {
  mud_url: string;
  systeminfo: string;
  mfg_name: string;
  model_name: string;
  acls: number;
  aces: number;
  last_update: string;
  cache_validity: number;
}

export interface MudStatus {
  device: string;
  verdict: string;
  url?: string;
  announced?: string;
  source?: string;
  mode?: string;
  effective_mode?: string;
  error?: string | null;
  pending_url?: string | null;
  signature?: { state: string; signer?: string };
  profile?: MudProfileSummary;
  aces?: MudAce[];
  violations?: MudViolation[];
  violations_dropped?: number;
  network_services?: { pkts: number; bytes: number };
  notes?: string[];
}

// One second of a device's traffic, from the live stream's `traffic` messages.
export interface LiveTraffic {
  time: number;
  interval: number;
  devices: (Counters & { mac: string })[];
}

// GET /api/v1/traffic: every device's steps with traffic.
export interface HomeTraffic {
  from: number;
  to: number;
  step: number;
  level: string;
  devices: { mac: string; series: TrafficPoint[] }[];
}

// GET /api/v1/destinations: every device's largest remote addresses.
export interface HomeDestination extends Counters {
  remote_ip: string;
  names: string[];
  flows: number;
}

export interface HomeDestinations {
  from: number;
  to: number;
  level: string;
  devices: { mac: string; destinations: HomeDestination[] }[];
}
