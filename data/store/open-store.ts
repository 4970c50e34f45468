import * as path from 'node:path';
import { MongoStore } from './mongo-store';
import { SqliteStore } from './sqlite-store';
import type { TicketStore } from './types';

/** Opens the production store when a MongoDB URI is configured, the embedded one under dataDir otherwise. */
export async function openStore(options: { mongodbUri?: string; mongodbDb: string; dataDir: string; sqliteSynchronous?: 'FULL' | 'NORMAL'; sqliteBusyTimeoutMs?: number }): Promise<TicketStore> {
  if (options.mongodbUri) return MongoStore.connect({ uri: options.mongodbUri, dbName: options.mongodbDb });
  return new SqliteStore({ file: path.join(options.dataDir, 'hotline.sqlite'), synchronous: options.sqliteSynchronous, busyTimeoutMs: options.sqliteBusyTimeoutMs });
}
