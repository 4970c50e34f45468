/** Accounts of the people who work tickets in the console, and the audit log of what they did. */

export const ACCOUNT_ROLES = ['agent', 'dispatcher', 'supervisor', 'admin', 'liaison'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export const ROLE_NAMES: Record<AccountRole, string> = {
  agent: '承办人',
  dispatcher: '派单员',
  supervisor: '督办员',
  admin: '管理员',
  liaison: '首席服务员',
};

export interface Account {
  /** Stable id (uuid); the username may be changed by an administrator, the id never. */
  id: string;
  /** Login name, lower-case, unique. */
  username: string;
  displayName: string;
  role: AccountRole;
  /** The unit an agent belongs to (agents only). */
  department?: string;
  /** The enterprises (unified social credit codes) a liaison (首席服务员) serves: they see all these enterprises' appeals. */
  enterprises?: string[];
  /** scrypt hash in the PHC-like form produced by passwords.ts; never leaves the server. */
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** Set when an administrator set the password; the person is asked to choose their own at next login. */
  mustChangePassword?: boolean;
}

export type AccountPatch = Partial<Pick<Account, 'displayName' | 'role' | 'department' | 'enterprises' | 'passwordHash' | 'disabled' | 'mustChangePassword' | 'updatedAt'>>;

/** An account as the API shows it. */
export type PublicAccount = Omit<Account, 'passwordHash'>;

export function publicAccount(a: Account): PublicAccount {
  const { passwordHash: _hash, ...rest } = a;
  return rest;
}

/** One entry of the audit log (审计日志): who did what, when, to which ticket or account, and whether it was allowed. */
export interface AuditEntry {
  id: string;
  at: string;
  /** Account id, or 'anonymous' for a failed login. */
  actorId: string;
  actorName: string;
  role: AccountRole | 'anonymous';
  /** What was done, e.g. 'login', 'login-failed', 'ticket.acknowledge', 'ticket.reveal-contact', 'account.create'. */
  action: string;
  ticketId?: string;
  targetAccountId?: string;
  outcome: 'ok' | 'refused';
  /** Client address (the proxy's X-Forwarded-For when trusted). */
  ip?: string;
  detail?: string;
}

export interface AuditQuery {
  actorId?: string;
  ticketId?: string;
  action?: string;
  /** Only entries before this ISO time (paging backwards). */
  before?: string;
  limit?: number;
}
