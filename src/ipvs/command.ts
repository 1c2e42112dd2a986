import type { IpvsCommand } from './diff.js';
import type { RealServer, VirtualService } from './model.js';
import { parseIpvsSave } from './parse.js';

export type IpvsOperation = '-A' | '-E' | '-D' | '-a' | '-e' | '-d';

/** One ipvsadm command read back into the model: the service it names, and its real server. */
export interface ParsedCommand {
  op: IpvsOperation;
  /** The service; scheduler and options only meaningful for -A and -E. */
  service: VirtualService;
  /** The real server of -a, -e and -d (for -d only its address and port are meaningful). */
  server?: RealServer;
}

const OPERATIONS = new Set<string>(['-A', '-E', '-D', '-a', '-e', '-d']);

/**
 * Reads a command made by diffTables (`-A -t 192.0.2.1:80 -s rr`, `-d -f 5 -6 -r [2001:db8::1]:0`)
 * with the save-format reader, so the words mean here what they mean to ipvsadm. Throws
 * IpvsParseError on words it does not know.
 */
export function parseCommand(command: IpvsCommand): ParsedCommand {
  const [op, ...rest] = command;
  if (!op || !OPERATIONS.has(op)) throw new Error(`not an IPVS table operation: ${command.join(' ')}`);
  const serviceEnd = rest[0] === '-f' && rest[2] === '-6' ? 3 : 2;
  const key = rest.slice(0, serviceEnd).join(' ');
  const options = op === '-A' || op === '-E' ? rest.slice(serviceEnd).join(' ') : '';
  const server = op === '-a' || op === '-e' || op === '-d' ? `\n-a ${rest.join(' ')}` : '';
  const [service] = parseIpvsSave(`-A ${key} ${options}${server}`) as [VirtualService];
  const real = service.realServers[0];
  return { op: op as IpvsOperation, service: { ...service, realServers: [] }, ...(real ? { server: real } : {}) };
}
