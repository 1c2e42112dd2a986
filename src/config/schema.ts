import type { FromSchema } from 'json-schema-to-ts';
import { IFNAME_PATTERN } from './vip.js';

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

/**
 * An interface name as the kernel takes it (dev_valid_name: 1 to 15 bytes, not "." or "..", no
 * "/", ":" or white space), narrowed to the characters every tool reads as one plain word: the
 * name reaches `ip` argument lists, `ip -batch` lines and sysfs paths.
 */
const ifname = {
  type: 'string',
  pattern: IFNAME_PATTERN,
  hint: 'an interface name: 1 to 15 letters, digits and _ . - @ +, not . or ..',
} as const;

const trackedInterface = {
  hint: 'an interface name, or a map with `interface` and `weight`',
  oneOf: [
    ifname,
    {
      type: 'object',
      additionalProperties: false,
      required: ['interface', 'weight'],
      properties: {
        interface: ifname,
        weight: { ...weight, description: 'Subtracted from the priority while the link is down; 0 means FAULT.' },
      },
    },
  ],
} as const;

const instance = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'interface', 'vrid', 'priority'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]{1,64}$',
      description: 'Instance name: letters, digits, `_`, `.`, `-`; used in logs, status and notify hooks.',
    },
    interface: { ...ifname, description: 'Interface that carries the adverts and the VIPs.' },
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
      format: 'ip',
      description:
        "Our address for the adverts and the tie-break; default: the interface's first IPv4 address (on an IPv6-only link, its first global IPv6 address) that is none of the config's VIPs, static addresses or cluster addresses, kept across reloads while it is still there. An IPv6 source advertises over IPv6 (`transport.multicast_group6`).",
    },
    unicast_peers: {
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', format: 'ip' },
      description: 'Send adverts to these addresses instead of the multicast group (of the source address\'s family).',
    },
    vips: {
      type: 'array',
      default: [],
      maxItems: 255,
      uniqueItems: true,
      items: { type: 'string', format: 'instance-vip' },
      description:
        "Virtual addresses held by the master: `ADDRESS` or `ADDRESS/PREFIX` (default /32, /128), IPv4 or IPv6, on the instance's interface (or its virtual MAC). `ADDRESS/PREFIX dev IFNAME` holds one on another interface (its gratuitous ARP leaves there too), and that interface going down faults the instance, as its own does, unless the VIP ends with `no_track` (Keepalived's virtual_ipaddress `dev` and `no_track`). `scope S` (host, link, site, global or a number) gives the address a scope other than global, and `brd B` (IPv4: an address, `+` or `-`, as `ip address` takes it) a broadcast address; a reload that changes only these applies them at the next takeover (changing them in place would take the address away). An instance without VIPs only elects (for its notify hooks and alerts).",
    },
    virtual_mac: {
      type: 'boolean',
      default: false,
      description:
        "Hold the VIPs on a VRRP virtual MAC, 00:00:5e:00:01:VRID (Keepalived: use_vmac): a macvlan on `interface` that both directors create, so clients and switches keep one MAC for the VIPs across a failover. IPv4 VIPs only.",
    },
    virtual_mac_interface: { ...ifname, description: 'Name of the virtual MAC interface (default `vrrp.VRID`).' },
    track_interfaces: {
      type: 'array',
      default: [],
      items: trackedInterface,
      description: 'Interfaces whose link state matters: down means FAULT, or a lower priority with a weight.',
    },
    track_services: {
      type: 'array',
      default: [],
      items: {
        hint: 'a virtual service name, or a map with `service` and `weight`',
        oneOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'object',
            additionalProperties: false,
            required: ['service', 'weight'],
            properties: {
              service: { type: 'string', minLength: 1 },
              weight: { ...weight, description: 'Subtracted from the priority while the service is below its quorum; 0 means FAULT.' },
            },
          },
        ],
      },
      description: 'Virtual services (by `name`) whose quorum matters: a service below it means FAULT, or a lower priority with a weight, so the director whose real servers are healthy holds the VIPs.',
    },
    track_scripts: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: {
        hint: 'a script name, or a map with `script` and `weight`',
        oneOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'object',
            additionalProperties: false,
            required: ['script', 'weight'],
            properties: {
              script: { type: 'string', minLength: 1 },
              weight: { ...weight, description: "This instance's weight for the script, instead of the script's own (Keepalived: `track_script { NAME weight N }`)." },
            },
          },
        ],
      },
      description: 'Entries in `scripts` that adjust this instance\'s priority: a name (the script\'s own weight), or `{script, weight}`.',
    },
    track_files: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: {
        hint: 'a file name from `files`, or a map with `file` and `weight`',
        oneOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'object',
            additionalProperties: false,
            required: ['file', 'weight'],
            properties: {
              file: { type: 'string', minLength: 1 },
              weight: { type: 'integer', minimum: -254, maximum: 254, description: "This instance's multiplier for the file's value, instead of the file's own weight." },
            },
          },
        ],
      },
      description: "Entries in `files` whose value adjusts this instance's priority (Keepalived: track_file): a name (the file's own weight), or `{file, weight}`.",
    },
    routes: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: { type: 'string', format: 'route' },
      description:
        "Routes the master holds with its VIPs (Keepalived: virtual_routes), in `ip route` words: `[TYPE] DEST|default [via GW] [dev IF] [src ADDR] [metric N] [table ID] [scope S] [proto P] [onlink]`; a route through several gateways gives `nexthop [via GW] [dev IF] [weight N] [onlink]` groups instead of `via` (Keepalived's `or`). Put in place (`ip route replace`) once the VIPs are up, taken away before they go.",
    },
    rules: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: { type: 'string', format: 'rule' },
      description:
        "Policy routing rules the master holds with its VIPs (Keepalived: virtual_rules), in `ip rule` words: `[not] [from P|all] [to P|all] [iif IF] [oif IF] [fwmark M] [priority N] [table ID | goto N | blackhole | unreachable | prohibit]`. Give a priority, so that each rule has its place.",
    },
    track_own_interface: {
      type: 'boolean',
      default: true,
      description: "The instance's own interface going down means FAULT (Keepalived: `dont_track_primary` sets false).",
    },
    alert: { type: 'boolean', default: false, description: "Mail this instance's transitions to `alerts.smtp` (Keepalived: smtp_alert)." },
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
    user: { type: 'string', minLength: 1, description: 'System user to run the command as (Keepalived: script_user, or `user` in the script); default: the daemon\'s.' },
    interval: { type: 'number', minimum: 0.1, maximum: 3600, default: 1, description: 'Seconds between runs.' },
    timeout: { type: 'number', minimum: 0.1, maximum: 3600, default: 5, description: 'Seconds before a run is killed and counted as a failure.' },
    weight: { ...weight, default: 0 },
    rise: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'Successes in a row to count as up.' },
    fall: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'Failures in a row to count as down.' },
    start_down: {
      type: 'boolean',
      default: false,
      description: 'Count the script as failed from the start, until it has succeeded `rise` times (Keepalived: init_fail). Otherwise it counts as succeeded until it has failed `fall` times.',
    },
  },
} as const;

/** A file holding a number that tracks something outside tandem (Keepalived's track_file). */
const trackedFile = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    path: { type: 'string', pattern: '^/', description: 'Absolute path of the file. It holds an integer (decimal, `0x` hex or `0` octal, read as C strtol reads it); a missing file, or one that starts with no number, reads as 0; a number beyond 32 bits keeps the last value.' },
    weight: {
      type: 'integer',
      minimum: -65535,
      maximum: 65535,
      default: 1,
      description:
        'Multiplies the value read. Instances: the product, within -254..253, is added to the priority, and -254 or less means FAULT; 0 means any value but 0 is FAULT. Checks: the product is added to the real server\'s weight; 0 means any value but 0 takes the server out.',
    },
    init: { type: 'integer', description: 'Written to the file at start when it does not exist (Keepalived: init_file).' },
    init_overwrite: { type: 'boolean', default: false, description: 'Write `init` at start even when the file exists (init_file VALUE overwrite).' },
  },
} as const;

const CHECK_TYPES = ['tcp', 'http', 'https', 'mysql', 'script', 'udp', 'ping', 'dns', 'smtp', 'file'] as const;

/**
 * A health check. One flat shape for every type, so a typo is reported as an unknown key; the
 * rules (rules.ts) refuse an option given to a type it does not apply to.
 */
const httpStatus = {
  type: 'array',
  minItems: 1,
  items: {
    hint: 'a status code like 200, or a range like "200-299"',
    oneOf: [{ type: 'integer', minimum: 100, maximum: 599 }, { type: 'string', pattern: '^[1-5][0-9][0-9]-[1-5][0-9][0-9]$' }],
  },
  description: 'http/https: accepted status codes and ranges, e.g. `[200, "300-399"]` (default: 200-299).',
} as const;

const httpDigest = {
  type: 'string',
  pattern: '^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$',
  description: "http/https: the body's digest in hex: 32 digits for MD5 (as Keepalived's genhash prints it), 64 for SHA-256.",
} as const;

const check = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { enum: CHECK_TYPES, description: `What to check: ${CHECK_TYPES.join(', ')}.` },
    interval: { type: 'number', minimum: 0.1, maximum: 3600, default: 2, description: 'Seconds between checks (delay_loop).' },
    timeout: { type: 'number', minimum: 0.05, maximum: 3600, default: 2, description: 'Seconds the whole check may take, connect to last byte (connect_timeout).' },
    rise: { type: 'integer', minimum: 1, maximum: 100, default: 1, description: 'Successes in a row that bring a down server back.' },
    fall: { type: 'integer', minimum: 1, maximum: 100, default: 3, description: 'Failures in a row that take a server out (Keepalived: retry + 1).' },
    retry_delay: { type: 'number', minimum: 0.05, maximum: 3600, description: 'Seconds before the next check after a failure that has not yet reached `fall` (delay_before_retry); default: `interval`.' },
    warmup: { type: 'number', minimum: 0, maximum: 3600, default: 0, description: 'Up to this many seconds of random delay before the first check, on top of the spread of start times.' },
    initially: { enum: ['up', 'down'], default: 'up', description: '`up`: a server is in service until its checks fail; `down`: out until its first check succeeds (Keepalived: alpha).' },
    connect_address: { type: 'string', format: 'ip', description: "Check this address instead of the real server's." },
    connect_port: { type: 'integer', minimum: 1, maximum: 65535, description: "Check this port instead of the real server's." },
    source_address: { type: 'string', format: 'ip', description: 'Local address the check connects from (bindto).' },
    path: { type: 'string', pattern: '^/', description: 'http/https: the path to request (default `/`).' },
    method: { enum: ['GET', 'HEAD'], description: 'http/https: the request method (default GET).' },
    host: { type: 'string', minLength: 1, description: 'http/https: the Host header (virtualhost; default: the address checked).' },
    status: httpStatus,
    body_match: { type: 'string', minLength: 1, description: 'http/https: a regular expression the body must match.' },
    body_not_match: { type: 'string', minLength: 1, description: 'http/https: a regular expression the body must not match.' },
    digest: httpDigest,
    urls: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          path: { type: 'string', pattern: '^/', description: 'The path to request.' },
          host: { type: 'string', minLength: 1, description: "The Host header of this request (default: the check's `host`)." },
          status: httpStatus,
          body_match: { type: 'string', minLength: 1, description: 'A regular expression the body must match.' },
          body_not_match: { type: 'string', minLength: 1, description: 'A regular expression the body must not match.' },
          digest: httpDigest,
        },
      },
      description:
        "http/https: several requests, one after the other on fresh connections, each with its own expectations; the server is up only when all pass (Keepalived: several `url` blocks). Instead of path, status, body_match, body_not_match and digest; `timeout` is for each request.",
    },
    sni: { type: 'string', minLength: 1, description: 'https: the TLS server name (default: `host`).' },
    verify_tls: { type: 'boolean', description: "https: verify the server's certificate chain and name (default true; Keepalived's SSL_GET does not)." },
    ca_file: { type: 'string', minLength: 1, description: 'https: PEM file of the CA that signs the real servers\' certificates (default: the system\'s).' },
    user: { type: 'string', minLength: 1, description: 'mysql: the user to log in as; script: the system user to run the command as.' },
    password_file: { type: 'string', minLength: 1, description: 'mysql: file holding the password (the config itself holds no secret).' },
    password_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'mysql: environment variable holding the password.' },
    database: { type: 'string', minLength: 1, description: 'mysql: the database to select.' },
    query: { type: 'string', minLength: 1, description: 'mysql: a query that must return at least one row (default `SELECT 1`).' },
    max_replication_lag: {
      type: 'number',
      minimum: 0,
      description: 'mysql: the server must be a running replica at most this many seconds behind its source; a stopped replica is down.',
    },
    read_only: { type: 'boolean', description: 'mysql: `true` wants a read-only server (a replica pool), `false` a writable one (the primary).' },
    command: { ...argv, description: 'script: the command (argument array, no shell); exit 0 is up. TANDEM_RS_ADDRESS, TANDEM_RS_PORT and TANDEM_SERVICE are in its environment.' },
    dynamic: { type: 'boolean', description: "script: exit 0 up, 1 down, 2-255 up with weight (status - 2), as Keepalived's misc_dynamic." },
    file: { type: 'string', minLength: 1, description: "file: the entry in `files` to read at each interval (Keepalived: FILE_CHECK's track_file). The real server's weight becomes its own plus the value times the weight (at least 0)." },
    file_weight: { type: 'integer', minimum: -65535, maximum: 65535, description: "file: the multiplier for the value, instead of the file's own weight." },
    payload: { type: 'string', pattern: '^([0-9a-fA-F]{2})*$', description: 'udp: the datagram sent, in hex (default: empty; Keepalived: payload).' },
    require_reply: { type: 'boolean', description: 'udp: only a reply is up (default false: silence is up, an ICMP unreachable is down).' },
    query_name: { type: 'string', minLength: 1, description: 'dns: the name asked for (default `.`; Keepalived: name).' },
    query_type: { enum: ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT'], description: 'dns: the record type asked for (default SOA; Keepalived: type).' },
    helo: { type: 'string', minLength: 1, description: 'smtp: the name sent with HELO (default: the host name; Keepalived: helo_name).' },
  },
} as const;

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'mh', 'fo', 'ovf'] as const;

const server = {
  type: 'object',
  additionalProperties: false,
  required: ['address', 'port'],
  properties: {
    address: { type: 'string', format: 'ip', description: 'Address of the real server, IPv4 or IPv6 (the family of the service).' },
    port: { type: 'integer', minimum: 0, maximum: 65535, description: 'Its port (0 for a firewall-mark service forwarded as is).' },
    method: {
      enum: ['nat', 'dr', 'tun', 'fullnat'],
      default: 'nat',
      description:
        "Forwarding: `nat` (masquerading), `dr` (direct routing, gatewaying), `tun` (IP-in-IP), or `fullnat`: NAT with the client's address rewritten to the director's (source NAT by netfilter), so the real server answers the director whatever its routes, and sees no client address (unless its service passes it on: `client_address`).",
    },
    weight: { type: 'integer', minimum: 0, maximum: 65535, default: 1, description: 'Scheduling weight; 0 takes no new connections.' },
    upper_threshold: { type: 'integer', minimum: 0, maximum: 65535, default: 0, description: 'Most connections before it takes no more (0: no limit).' },
    lower_threshold: { type: 'integer', minimum: 0, maximum: 65535, default: 0, description: 'Connections below which it takes new ones again (0: unset).' },
  },
} as const;

const realServer = {
  ...server,
  properties: {
    ...server.properties,
    check: { ...check, description: "This server's health check, instead of the service's." },
    checks: {
      type: 'array',
      minItems: 1,
      items: check,
      description:
        "Several health checks of this server, instead of `check` (Keepalived: several checkers in one real_server, or an SMTP_CHECK's `host` blocks): it is healthy while every one passes, and leaves the table when one fails `fall` times.",
    },
    notify: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        up: { ...argv, description: 'Run when the server comes back up (Keepalived: notify_up).' },
        down: { ...argv, description: 'Run when the server goes down (Keepalived: notify_down).' },
      },
      description: "Commands run when this server's health changes (argument arrays, no shell).",
    },
    inhibit_on_failure: { type: 'boolean', description: "Override the service's `inhibit_on_failure` for this server." },
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
    port: { type: 'integer', minimum: 0, maximum: 65535, description: 'The port of a tcp/udp service; 0 (every port) needs `persistence`.' },
    fwmark: { type: 'integer', minimum: 1, maximum: 4294967295, description: 'The firewall mark of a fwmark service.' },
    family: { enum: ['ipv4', 'ipv6'], default: 'ipv4', description: 'Address family of a fwmark service.' },
    scheduler: { enum: SCHEDULERS, default: 'wlc', description: `Scheduler: ${SCHEDULERS.join(', ')}.` },
    scheduler_flags: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: { enum: ['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port', 'flag-1', 'flag-2', 'flag-3'] },
      description:
        "Scheduler flags (ipvsadm -b): sh-fallback, sh-port for sh; mh-fallback, mh-port for mh. With mh and mh-fallback a failed real server stays in the kernel's list at weight 0 instead of leaving it: Maglev's table follows the list's order, so it stays alike on every director, and mh-fallback sends only that server's flows elsewhere.",
    },
    one_packet: {
      type: 'boolean',
      default: false,
      description: 'One-packet scheduling (ipvsadm --ops, Keepalived ops): every UDP datagram is scheduled on its own, no connection entry is kept (DNS, syslog). UDP and fwmark services only.',
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
    real_servers: { type: 'array', items: realServer, description: 'The real servers behind the service.' },
    sorry_server: { ...server, description: 'Takes the traffic while the service is below its quorum (by default: while no real server is healthy).' },
    check: { ...check, description: 'The health check of every real server that has none of its own. Without one, a server is always up.' },
    inhibit_on_failure: {
      type: 'boolean',
      default: false,
      description: 'A failed server keeps its place with weight 0, so its connections finish, instead of being removed.',
    },
    quorum: {
      type: 'integer',
      minimum: 0,
      maximum: 4294967295,
      default: 1,
      description: 'Healthy weight (the sum of the weights of the servers up) the service needs to be up. Below it the sorry server takes over and `track_services` lower the priority.',
    },
    quorum_hysteresis: { type: 'integer', minimum: 0, maximum: 65535, default: 0, description: 'Up again at quorum + hysteresis, down below quorum - hysteresis.' },
    notify: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        quorum_up: { ...argv, description: 'Run when the service gets its quorum (again).' },
        quorum_down: { ...argv, description: 'Run when the service loses its quorum.' },
      },
      description: 'Commands run when the quorum changes (argument arrays, no shell; Keepalived: quorum_up, quorum_down).',
    },
    notify_down_at_stop: { type: 'boolean', default: false, description: 'Run `notify.quorum_down` when tandem stops (Keepalived: omega).' },
    alert: { type: 'boolean', default: false, description: "Mail its real servers' and its quorum's changes to `alerts.smtp` (Keepalived: smtp_alert)." },
    client_address: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      hint: 'a map with `proxy_protocol` or `http_header`',
      properties: {
        proxy_protocol: { enum: [1, 2], description: 'Send the PROXY protocol header, version 1 (text) or 2 (binary), before the client\'s bytes; the real servers must expect it.' },
        http_header: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$', description: "Add this HTTP request header with the client's address (X-Forwarded-For, say) to every request; the service speaks HTTP." },
      },
      description:
        "Full NAT with the client's address passed on: a `fullnat` TCP service whose real servers must still learn who the client is. IPVS forwards packets and cannot add a byte to a stream, so such a service is carried by HAProxy (Debian's `haproxy`), run by tandem, instead of IPVS: it listens on the service's address and port (bound whether or not the VIP is here yet), connects to the real servers from the director (as fullnat does), and passes the address on. tandem's checks, drains, quorum and sorry server decide its servers and weights, as for IPVS. Schedulers: rr, wrr (roundrobin), lc, wlc, sed, nq (leastconn), sh, mh (the client's address, consistently hashed); persistence sticks a client (or its netmask) to its server.",
    },
  },
} as const;

export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'tandem configuration',
  type: 'object',
  additionalProperties: false,
  required: ['auth'],
  properties: {
    auth: {
      hint: '`none`, a map with `key_file` or `key_env`, or `keys` and `active`',
      description:
        'Advert authentication: HMAC-SHA256 with a shared key from a file (`key_file: PATH`) or an environment variable (`key_env: NAME`), at least 16 bytes. Several keys for a rotation without a moment of disagreement: `keys: [{ id: 1, key_file: PATH }, { id: 2, key_env: NAME }]` and `active: ID`: adverts signed by any of the keys are accepted, the active one signs. Rotate in three reloads of both directors: add the new key, make it active, remove the old one. `auth: none` runs without, explicitly.',
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
        {
          type: 'object',
          additionalProperties: false,
          required: ['keys', 'active'],
          properties: {
            keys: {
              type: 'array',
              minItems: 1,
              maxItems: 8,
              items: {
                oneOf: [
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['id', 'key_file'],
                    properties: { id: { type: 'integer', minimum: 0, maximum: 255 }, key_file: { type: 'string', minLength: 1 } },
                  },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['id', 'key_env'],
                    properties: { id: { type: 'integer', minimum: 0, maximum: 255 }, key_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
                  },
                ],
              },
            },
            active: { type: 'integer', minimum: 0, maximum: 255 },
          },
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
        multicast_group6: {
          type: 'string',
          format: 'ipv6',
          default: 'ff02::12',
          description: 'IPv6 multicast group of the adverts of instances whose source address is IPv6 (link-local scope by default, as VRRPv3).',
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
        interval: { type: 'number', minimum: 0, maximum: 10, default: 0, description: 'Seconds between the gratuitous ARPs (or NAs) of one round, on one interface; 0 sends them at once (vrrp_garp_interval, vrrp_gna_interval).' },
      },
    },
    static_routes: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: { type: 'string', format: 'route' },
      description: "Routes this director holds from start to stop, whatever its VRRP state (Keepalived: static_routes); in `ip route` words, as an instance's `routes`.",
    },
    static_rules: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: { type: 'string', format: 'rule' },
      description: "Policy routing rules this director holds from start to stop (Keepalived: static_rules); in `ip rule` words, as an instance's `rules`.",
    },
    static_addresses: {
      type: 'array',
      default: [],
      uniqueItems: true,
      items: { type: 'string', format: 'instance-vip' },
      description: "Addresses this director holds from start to stop, whatever its VRRP state (Keepalived: static_ipaddress): `ADDRESS/PREFIX dev IF [scope S] [brd B]`.",
    },
    files: {
      type: 'object',
      default: {},
      propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
      additionalProperties: trackedFile,
      description: "Tracked files by name (Keepalived's track_file): read at start and whenever they change, for instances' `track_files` and `file` checks.",
    },
    scripts: {
      type: 'object',
      default: {},
      propertyNames: { pattern: '^[A-Za-z0-9_.-]{1,64}$' },
      additionalProperties: script,
      description: 'Tracking scripts by name (Keepalived\'s vrrp_script): exit status 0 is success.',
    },
    announce: {
      type: 'object',
      additionalProperties: false,
      required: ['bird'],
      description:
        "Cluster mode: this director announces its virtual services' addresses as host routes through the BGP speaker the operator runs (BIRD 2), each while its services have their quorum, for routers that spread flows over every director that announces (ECMP). The addresses are put on `interface` so IPVS takes their traffic. Beside or instead of VRRP instances.",
      properties: {
        bird: {
          type: 'object',
          additionalProperties: false,
          required: ['file'],
          properties: {
            file: { type: 'string', pattern: '^/', description: "The file tandem writes: a BIRD `protocol static` holding the routes to announce. Include it in bird.conf and export its protocol to the BGP neighbours." },
            socket: { type: 'string', pattern: '^/', default: '/run/bird/bird.ctl', description: "BIRD's control socket: tandem runs `birdc -s SOCKET configure` after each write." },
            protocol: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,31}$', default: 'tandem_vips', description: 'Name of the static protocol in the file (what bird.conf exports).' },
          },
          description: 'BIRD 2, the BGP speaker tandem drives.',
        },
        interface: { ...ifname, default: 'lo', description: 'Where the announced addresses are put (as /32 or /128), so that IPVS takes their traffic.' },
        addresses: {
          type: 'array',
          uniqueItems: true,
          items: { type: 'string', format: 'ip' },
          description: "The addresses to announce (default: every virtual service's address). An address is announced while every virtual service on it has its quorum.",
        },
      },
    },
    instances: {
      type: 'array',
      default: [],
      items: instance,
      description: 'VRRP instances: each elects a master for its VIPs. With none, the director only checks real servers and keeps the IPVS table (a checker-only director, whose VIPs another system moves).',
    },
    ipvs: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'How tandem keeps the kernel IPVS table equal to `virtual_services`.',
      properties: {
        exclusive: { type: 'boolean', default: false, description: 'The table is ours alone: services the config does not declare are deleted.' },
        repair_interval: { type: 'number', minimum: 1, maximum: 3600, default: 10, description: 'Seconds between re-reads of the table to repair drift (someone ran ipvsadm -C).' },
        sloppy_tcp: {
          type: 'boolean',
          description:
            "Let IPVS take up a TCP connection from any packet, not only its SYN (net.ipv4.vs.sloppy_tcp): a director that did not see a connection open (a failover without the sync daemon, a director behind ECMP) can still forward it; with a hashing scheduler (sh, mh) it picks the same real server. Unset: the kernel's setting is left alone.",
        },
        expire_nodest_conn: {
          type: 'boolean',
          description:
            "Drop a connection's entry when a packet of it meets a real server that left the table (net.ipv4.vs.expire_nodest_conn), so that the client's next attempt is scheduled anew instead of sent to the server that is gone. Unset: the kernel's setting is left alone.",
        },
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
          required: ['interface'],
          properties: {
            interface: { ...ifname, description: 'Interface for the sync traffic.' },
            sync_id: { type: 'integer', minimum: 0, maximum: 255, default: 0, description: 'Sync id, the same on both directors.' },
            max_message_bytes: {
              type: 'integer',
              minimum: 1,
              maximum: 65507,
              description:
                "Largest sync message (UDP payload; ipvsadm --sync-maxlen, Keepalived's maxlen); the kernel's default fills the interface's MTU. The kernel sends a message when the next connection does not fit in it, or after 2 s: under 80 bytes each message holds one connection (IPv4), which makes a new connection known to the peer as soon as the next one is synced, at one datagram per connection event.",
            },
            takeover_grace: {
              type: 'number',
              minimum: 0,
              maximum: 60,
              default: 4,
              description:
                "Seconds after a takeover during which the new master does not reset the TCP connections to its virtual services that IPVS does not know yet (an iptables chain, TANDEM-GRACE, that drops the resets its own stack would send from a VIP on the kernel's recent list, where a takeover puts its VIPs; needs iptables and xt_recent). Such a connection was opened through the old master just before the takeover, and the old master's sync message for it can come up to 3 s later (the kernel holds the last, partly filled message for 2 s and looks every 1 s): the client's next retransmission then goes through. 0 resets them at once. Reloadable.",
            },
          },
          description:
            "The connection sync daemon, so connections survive a failover: it runs as master and as backup on every director from start to stop, so each side always sends its connections and receives the other's (Keepalived's lvs_sync_daemon switches roles with an instance's state, which drops the messages still queued at the switch).",
        },
      },
    },
    virtual_services: {
      type: 'array',
      default: [],
      items: virtualService,
      description: 'IPVS virtual services. Both directors program them whatever their VRRP state: a failover only moves the VIPs.',
    },
    alerts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Mail alerts for the instances, groups and services with `alert: true` (Keepalived: smtp_alert and the notification settings).',
      properties: {
        smtp: {
          type: 'object',
          additionalProperties: false,
          required: ['server', 'to'],
          properties: {
            server: { type: 'string', minLength: 1, description: 'SMTP relay: an address or a host name (smtp_server).' },
            port: { type: 'integer', minimum: 1, maximum: 65535, default: 25, description: 'Its port.' },
            helo: { type: 'string', minLength: 1, description: 'Name given in HELO/EHLO (smtp_helo_name); default: the host name.' },
            from: { type: 'string', minLength: 3, description: 'Sender address (notification_email_from); default: tandem@HOSTNAME.' },
            to: { type: 'array', minItems: 1, items: { type: 'string', minLength: 3 }, description: 'Recipients (notification_email).' },
            connect_timeout: { type: 'number', minimum: 1, maximum: 3600, default: 30, description: 'Seconds to connect and deliver before giving up (smtp_connect_timeout).' },
          },
          description: 'Where alerts go. Each is one mail, sent in the background; a mail that fails is logged, and never holds up a failover.',
        },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Prometheus metrics over HTTP at `/metrics`.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Serve the metrics.' },
        address: { type: 'string', format: 'ip', default: '127.0.0.1', description: 'Address to listen on (loopback by default: put a proxy or a firewall rule in front to expose it).' },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 9798, description: 'TCP port.' },
      },
    },
    health: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Health checks as a whole.',
      properties: {
        maintenance_dir: {
          type: 'string',
          minLength: 1,
          description: "A directory where a file named `ADDRESS:PORT` (or just `ADDRESS`) drains that real server, as ldirectord's maintenancedir.",
        },
      },
    },
    sync_groups: {
      type: 'array',
      default: [],
      description:
        "Instances that change state together (Keepalived's vrrp_sync_group). A weighted tracked interface, script or service of one member changes every member's priority (once, however many track it): members apart would outrank the peer's members and pull the group back and forth.",
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'instances'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Group name.' },
          instances: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string' }, description: 'Names of member instances.' },
          alert: { type: 'boolean', default: false, description: "Mail the group's transitions to `alerts.smtp` (Keepalived: smtp_alert)." },
          notify: {
            type: 'object',
            additionalProperties: false,
            default: {},
            properties: {
              master: { ...argv, description: 'Run when the group becomes MASTER.' },
              backup: { ...argv, description: 'Run when the group becomes BACKUP.' },
              fault: { ...argv, description: 'Run when the group enters FAULT.' },
              any: { ...argv, description: 'Run on every group transition with `GROUP name STATE` appended, as Keepalived\'s group `notify`.' },
            },
            description: 'Commands run when the group as a whole changes state (argument arrays, no shell).',
          },
        },
      },
    },
  },
} as const;

export type Config = FromSchema<typeof configSchema>;
export type InstanceConfig = Config['instances'][number];
export type ScriptConfig = Config['scripts'][string];
export type TrackedFileConfig = Config['files'][string];
export type SyncGroupConfig = Config['sync_groups'][number];
export type VirtualServiceConfig = Config['virtual_services'][number];
export type RealServerConfig = VirtualServiceConfig['real_servers'][number];
export type SorryServerConfig = NonNullable<VirtualServiceConfig['sorry_server']>;
export type CheckConfig = NonNullable<VirtualServiceConfig['check']>;
export type TrackedService = InstanceConfig['track_services'][number];
export type SmtpConfig = NonNullable<Config['alerts']['smtp']>;
