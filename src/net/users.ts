import { run } from './exec.js';

export interface UserIds {
  uid: number;
  gid: number;
}

/** A system user's ids, through NSS (`getent passwd`), so LDAP and sssd users resolve too. */
export async function lookupUser(name: string): Promise<UserIds> {
  let line: string;
  try {
    line = await run('getent', ['passwd', name], { timeoutMs: 5000 });
  } catch {
    throw new Error(`no system user named "${name}"`);
  }
  const [, , uid, gid] = line.split('\n')[0]?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`no system user named "${name}"`);
  return { uid: Number(uid), gid: Number(gid) };
}
