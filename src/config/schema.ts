import type { FromSchema } from 'json-schema-to-ts';

/*
 * The one source of truth for the config file: ajv validates with it, the TypeScript types
 * come from it (json-schema-to-ts), and the README's config reference is generated from it.
 * Durations are in seconds, as in keepalived.conf. `hint` says what a value must be when a
 * choice between shapes fails (ajv's own message for oneOf says little).
 */

const argv = {
  type: 'array',
  minItems: 1,
  items: { type: 'string', minLength: 1 },
  description: 'A command as an argument array (no shell): program first, then its arguments.',
} as const;

const weight = {
  type: 'integer',
  minimum: -253,
  maximum: 253,
  description: 'Added to the priority while the check succeeds (positive) or subtracted while it fails (negative); 0 means a failure puts the instance in FAULT.',
} as const;

const trackedInterface = {
  hint: 'an interface name, or a map with `interface` and `weight`',
  oneOf: [
    { type: 'string', minLength: 1, maxLength: 15 },
    {
      type: 'object',
      additionalProperties: false,
      required: ['interface', 'weight'],
      properties: {
        interface: { type: 'string', minLength: 1, maxLength: 15 },
        weight: { ...weight, description: 'Subtracted from the priority while the link is down; 0 means FAULT.' },
      },
    },
  ],
} as const;

const instance = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'interface', 'vrid', 'priority', 'vips'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]{1,64}$',
      description: 'Instance name: letters, digits, `_`, `.`, `-`; used in logs, status and notify hooks.',
    },
    interface: { type: 'string', minLength: 1, maxLength: 15, description: 'Interface that carries the adverts and the VIPs.' },
    vrid: { type: 'integer', minimum: 1, maximum: 255, description: 'Virtual router id, 1-255, the same on both directors and unique within the config.' },
    priority: {
      type: 'integer',
      minimum: 1,
      maximum: 255,
      description: 'Election priority, 1-254; 255 marks the address owner, master at once.',
    },
    advert_interval: {
      type: 'number',
      minimum: 0.01,
      maximum: 40.95,
      default: 1,
      description: 'Seconds between adverts, 0.01-40.95 in steps of 0.01. Must match the peer.',
    },
    preempt: { type: 'boolean', default: true, description: 'Take over from a lower-priority master (Keepalived: the opposite of `nopreempt`).' },
    preempt_delay: {
      type: 'number',
      minimum: 0,
      maximum: 1000,
      default: 0,
      description: 'Seconds to wait after start or after first seeing a lower-priority master before preempting it.',
    },
    source_address: {
      type: 'string',
      format: 'ipv4',
      description: "Our address for the adverts and the tie-break; default: the interface's first IPv4 address.",
    },
    unicast_peers: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', format: 'ipv4' },
      description: 'Send adverts to these addresses instead of the multicast group.',
    },
    vips: {
      type: 'array',
      minItems: 1,
      maxItems: 255,
      uniqueItems: true,
      items: { type: 'string', format: 'vip' },
      description: 'Virtual addresses held by the master: `ADDRESS` or `ADDRESS/PREFIX` (default /32, /128), IPv4 or IPv6.',
    },
    track_interfaces: {
      type: 'array',
      default: [],
      items: trackedInterface,
      description: 'Interfaces whose link state matters: down means FAULT, or a lower priority with a weight.',
    },
    track_scripts: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      description: 'Names of entries in `scripts` that adjust this instance\'s priority.',
    },
    notify: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        master: { ...argv, description: 'Run on becoming MASTER.' },
        backup: { ...argv, description: 'Run on becoming BACKUP.' },
        fault: { ...argv, description: 'Run on entering FAULT.' },
        stop: { ...argv, description: 'Run when the instance stops.' },
        any: { ...argv, description: 'Run on every transition with `INSTANCE name STATE priority` appended, as Keepalived\'s `notify`.' },
      },
      description: 'Commands run on transitions (argument arrays, no shell).',
    },
  },
} as const;

const script = {
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    command: argv,
    interval: { type: 'number', minimum: 0.1, maximum: 3600, default: 1, description: 'Seconds between runs.' },
    timeout: { type: 'number', minimum: 0.1, maximum: 3600, default: 5, description: 'Seconds before a run is killed and counted as a failure.' },
    weight: { ...weight, default: 0 },
    rise: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'Successes in a row to count as up.' },
    fall: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'Failures in a row to count as down.' },
  },
} as const;

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'mh', 'fo', 'ovf'] as const;

const server = {
  type: 'object',
  additionalProperties: false,
  required: ['address', 'port'],
  properties: {
    address: { type: 'string', format: 'ip', description: 'Address of the real server, IPv4 or IPv6 (the family of the service).' },
    port: { type: 'integer', minimum: 0, maximum: 65535, description: 'Its port (0 for a firewall-mark service forwarded as is).' },
    method: { enum: ['nat', 'dr', 'tun'], default: 'nat', description: 'Forwarding: `nat` (masquerading), `dr` (direct routing, gatewaying) or `tun` (IP-in-IP).' },
    weight: { type: 'integer', minimum: 0, maximum: 65535, default: 1, description: 'Scheduling weight; 0 takes no new connections.' },
    upper_threshold: { type: 'integer', minimum: 0, maximum: 65535, default: 0, description: 'Most connections before it takes no more (0: no limit).' },
    lower_threshold: { type: 'integer', minimum: 0, maximum: 65535, default: 0, description: 'Connections below which it takes new ones again (0: unset).' },
  },
} as const;

const virtualService = {
  type: 'object',
  additionalProperties: false,
  required: ['protocol', 'real_servers'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'A name for logs and status (default: the service as ipvsadm writes it).' },
    protocol: { enum: ['tcp', 'udp', 'fwmark'], description: '`tcp`, `udp` (with `address` and `port`) or `fwmark` (with `fwmark`).' },
    address: { type: 'string', format: 'ip', description: 'The VIP of a tcp/udp service.' },
    port: { type: 'integer', minimum: 1, maximum: 65535, description: 'The port of a tcp/udp service.' },
    fwmark: { type: 'integer', minimum: 1, maximum: 4294967295, description: 'The firewall mark of a fwmark service.' },
    family: { enum: ['ipv4', 'ipv6'], default: 'ipv4', description: 'Address family of a fwmark service.' },
    scheduler: { enum: SCHEDULERS, default: 'wlc', description: `Scheduler: ${SCHEDULERS.join(', ')}.` },
    scheduler_flags: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: { enum: ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port', 'flag-1', 'flag-2', 'flag-3'] },
      description: 'Scheduler flags (ipvsadm -b): sh-fallback, sh-port for sh; mh-fallback, mh-port for mh.',
    },
    persistence: {
      type: 'object',
      additionalProperties: false,
      required: ['timeout'],
      properties: {
        timeout: { type: 'integer', minimum: 1, maximum: 2678400, description: 'Seconds a client sticks to its real server.' },
        netmask: { type: 'string', format: 'ipv4', description: 'Clients within this netmask stick together (IPv4 services).' },
      },
      description: 'Client persistence (ipvsadm -p, -M).',
    },
    real_servers: { type: 'array', items: server, description: 'The real servers behind the service.' },
    sorry_server: { ...server, description: 'Takes the traffic when the service has no real server.' },
  },
} as const;

export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'tandem configuration',
  type: 'object',
  additionalProperties: false,
  required: ['auth', 'instances'],
  properties: {
    auth: {
      hint: '`none`, or a map with `key_file` or `key_env`',
      description: 'Advert authentication: HMAC-SHA256 with a shared key from a file (`key_file: PATH`) or an environment variable (`key_env: NAME`), at least 16 bytes. `auth: none` runs without, explicitly.',
      oneOf: [
        { const: 'none' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['key_file'],
          properties: { key_file: { type: 'string', minLength: 1 } },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['key_env'],
          properties: { key_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
        },
      ],
    },
    transport: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where adverts travel.',
      properties: {
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 5798, description: 'UDP port of the adverts, the same on both directors.' },
        multicast_group: {
          type: 'string',
          format: 'ipv4',
          default: '224.0.0.18',
          description: 'IPv4 multicast group of the adverts (link-local by default, so switches flood it).',
        },
      },
    },
    garp: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Gratuitous ARP sent by a new master, as Keepalived\'s garp_master_* options.',
      properties: {
        repeat: { type: 'integer', minimum: 1, maximum: 100, default: 5, description: 'Gratuitous ARPs per VIP at once (garp_master_repeat).' },
        delay: { type: 'number', minimum: 0, maximum: 3600, default: 5, description: 'Seconds after becoming master for a second round; 0 for none (garp_master_delay).' },
        refresh: { type: 'number', minimum: 0, maximum: 86400, default: 0, description: 'Seconds between periodic rounds while master; 0 for none (garp_master_refresh).' },
        refresh_repeat: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'Gratuitous ARPs per VIP in each periodic round (garp_master_refresh_repeat).' },
      },
    },
    scripts: {
      type: 'object',
      default: {},
      propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
      additionalProperties: script,
      description: 'Tracking scripts by name (Keepalived\'s vrrp_script): exit status 0 is success.',
    },
    instances: {
      type: 'array',
      minItems: 1,
      items: instance,
      description: 'VRRP instances: each elects a master for its VIPs.',
    },
    ipvs: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'How tandem keeps the kernel IPVS table equal to `virtual_services`.',
      properties: {
        exclusive: { type: 'boolean', default: false, description: 'The table is ours alone: services the config does not declare are deleted.' },
        repair_interval: { type: 'number', minimum: 1, maximum: 3600, default: 10, description: 'Seconds between re-reads of the table to repair drift (someone ran ipvsadm -C).' },
        timeouts: {
          type: 'object',
          additionalProperties: false,
          required: ['tcp', 'tcpfin', 'udp'],
          properties: {
            tcp: { type: 'integer', minimum: 0, maximum: 2147483, description: 'Seconds an idle TCP connection is kept.' },
            tcpfin: { type: 'integer', minimum: 0, maximum: 2147483, description: 'Seconds a TCP connection is kept after FIN.' },
            udp: { type: 'integer', minimum: 0, maximum: 2147483, description: 'Seconds a UDP flow is kept.' },
          },
          description: 'Connection timeouts (ipvsadm --set); 0 leaves one unchanged.',
        },
        sync_daemon: {
          type: 'object',
          additionalProperties: false,
          required: ['instance', 'interface'],
          properties: {
            instance: { type: 'string', description: 'The instance whose state it follows: master while MASTER, backup otherwise.' },
            interface: { type: 'string', minLength: 1, maxLength: 15, description: 'Interface for the sync traffic.' },
            sync_id: { type: 'integer', minimum: 0, maximum: 255, default: 0, description: 'Sync id, the same on both directors.' },
          },
          description: "The connection sync daemon (Keepalived's lvs_sync_daemon), so connections survive a failover.",
        },
      },
    },
    virtual_services: {
      type: 'array',
      default: [],
      items: virtualService,
      description: 'IPVS virtual services. Both directors program them whatever their VRRP state: a failover only moves the VIPs.',
    },
    sync_groups: {
      type: 'array',
      default: [],
      description: 'Instances that change state together (Keepalived\'s vrrp_sync_group).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'instances'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Group name.' },
          instances: { type: 'array', minItems: 2, uniqueItems: true, items: { type: 'string' }, description: 'Names of member instances.' },
        },
      },
    },
  },
} as const;

export type Config = FromSchema<typeof configSchema>;
export type InstanceConfig = Config['instances'][number];
export type ScriptConfig = Config['scripts'][string];
export type SyncGroupConfig = Config['sync_groups'][number];
export type VirtualServiceConfig = Config['virtual_services'][number];
export type RealServerConfig = VirtualServiceConfig['real_servers'][number];
