import * as crypto from 'node:crypto';
import { SettingConflictError, type TicketStore } from '../../data/store/types';

/** The setting holding the Open311 clients (WeChat mini-programs, apps, provincial platforms) and their hashed keys. */
export const OPEN311_CLIENTS_SETTING = 'open311-clients';

export interface Open311Client {
  id: string;
  name: string;
  /** sha256 of the api_key; the key itself is shown once, when it is created. */
  keyHash: string;
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
}

interface ClientsSetting {
  clients: Open311Client[];
}

const hash = (key: string) => crypto.createHash('sha256').update(key).digest('hex');

/** The Open311 clients of a deployment, kept in the store so every web process accepts the same keys. */
export class Open311Clients {
  private cache?: { at: number; clients: Open311Client[] };

  constructor(private readonly store: TicketStore) {}

  async list(): Promise<Open311Client[]> {
    return (await this.store.getSetting<ClientsSetting>(OPEN311_CLIENTS_SETTING))?.value.clients ?? [];
  }

  /** Creates a client and returns its api_key (only this once). */
  async create(name: string, by: string): Promise<{ client: Open311Client; apiKey: string }> {
    const apiKey = 'o311_' + crypto.randomBytes(24).toString('base64url');
    const client: Open311Client = { id: crypto.randomUUID(), name, keyHash: hash(apiKey), createdAt: new Date().toISOString(), createdBy: by };
    await this.change(by, (clients) => [...clients, client]);
    return { client, apiKey };
  }

  /** Revokes a client's key; false when there is no such client. */
  async revoke(id: string, by: string): Promise<boolean> {
    let found = false;
    await this.change(by, (clients) =>
      clients.map((c) => {
        if (c.id !== id) return c;
        found = true;
        return c.revokedAt ? c : { ...c, revokedAt: new Date().toISOString() };
      }),
    );
    return found;
  }

  /** The client an api_key belongs to, or null for an unknown or revoked key. Keys are compared by hash in constant time. */
  async verify(apiKey: string | undefined): Promise<Open311Client | null> {
    if (!apiKey || apiKey.length > 200) return null;
    if (!this.cache || Date.now() - this.cache.at > 5_000) this.cache = { at: Date.now(), clients: await this.list() };
    const h = Buffer.from(hash(apiKey));
    return this.cache.clients.find((c) => !c.revokedAt && crypto.timingSafeEqual(Buffer.from(c.keyHash), h)) ?? null;
  }

  private async change(by: string, mutate: (clients: Open311Client[]) => Open311Client[]): Promise<void> {
    for (;;) {
      const setting = await this.store.getSetting<ClientsSetting>(OPEN311_CLIENTS_SETTING);
      try {
        await this.store.putSetting<ClientsSetting>(OPEN311_CLIENTS_SETTING, { clients: mutate(setting?.value.clients ?? []) }, setting?.version ?? 0, by);
        this.cache = undefined;
        return;
      } catch (err) {
        if (!(err instanceof SettingConflictError)) throw err;
      }
    }
  }
}
