import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Account, AccountRole } from '../../data/accounts/account';
import { hashPassword } from '../../data/accounts/passwords';
import type { Catalogue } from '../../data/catalogue';
import type { TicketStore } from '../../data/store/types';
import type { Config } from '../config';
import type { Logger } from '../logger';

export interface BootstrapResult {
  /** Where the demo password is kept, when demo accounts exist. */
  demoFile?: string;
  /** Set only on the start that created the demo accounts, so it is printed once. */
  demoPassword?: string;
  adminUsername: string;
}

function newAccount(username: string, displayName: string, role: AccountRole, passwordHash: string, department?: string, mustChangePassword = false): Account {
  const now = new Date().toISOString();
  return { id: crypto.randomUUID(), username, displayName, role, ...(department ? { department } : {}), passwordHash, disabled: false, createdAt: now, updatedAt: now, ...(mustChangePassword ? { mustChangePassword } : {}) };
}

/**
 * First start: creates the first administrator from the configuration, and in demo mode an agent for every unit
 * (agent-<unit code>), a dispatcher and a supervisor sharing one generated password kept in DATA_DIR (mode 0600).
 * Accounts that exist are left alone, so later starts change nothing.
 */
export async function bootstrapAccounts(store: TicketStore, catalogue: Catalogue, config: Config, log: Logger): Promise<BootstrapResult> {
  const c = config.console;
  const result: BootstrapResult = { adminUsername: c.adminUsername };
  let demoPassword: string | undefined;
  if (c.demoAccounts) {
    result.demoFile = path.join(config.dataDir, 'console-demo-password.txt');
    if (fs.existsSync(result.demoFile)) demoPassword = fs.readFileSync(result.demoFile, 'utf8').trim();
    else {
      demoPassword = 'Demo-' + crypto.randomBytes(6).toString('base64url');
      fs.mkdirSync(config.dataDir, { recursive: true });
      fs.writeFileSync(result.demoFile, demoPassword + '\n', { mode: 0o600 });
      result.demoPassword = demoPassword;
    }
  }
  if (!(await store.findAccountByUsername(c.adminUsername))) {
    const password = c.adminPassword ?? demoPassword;
    if (password) {
      await store.createAccount(newAccount(c.adminUsername, '系统管理员', 'admin', await hashPassword(password)));
      log.info({ username: c.adminUsername }, 'console: first administrator created');
    } else if (!(await store.listAccounts()).some((a) => a.role === 'admin')) {
      log.warn('console: no administrator account; set CONSOLE_ADMIN_PASSWORD (and CONSOLE_ADMIN_USERNAME) and restart');
    }
  }
  if (demoPassword) {
    // One hash for all demo accounts: they share the password, and hashing 30+ times would slow the first start.
    let hash: string | undefined;
    const wanted: [string, string, AccountRole, string?][] = [
      ['dispatcher', '派单员（演示）', 'dispatcher'],
      ['supervisor', '督办员（演示）', 'supervisor'],
      ...catalogue.departments.map((d): [string, string, AccountRole, string] => [`agent-${d.code}`, `${d.name}承办人（演示）`, 'agent', d.code]),
    ];
    for (const [username, name, role, department] of wanted) {
      if (await store.findAccountByUsername(username)) continue;
      hash ??= await hashPassword(demoPassword);
      await store.createAccount(newAccount(username, name, role, hash, department));
    }
  }
  return result;
}
