import type { NextFunction, Request, Response, Router } from 'express';
import type { TicketStore } from '../../data/store/types';
import type { Open311Clients } from '../open311/clients';
import { ApiError } from './api-error';
import { audit, type Auth } from './auth';
import { Open311ClientBody } from './schemas';
import { parse } from './validate';

/** Administrators manage the Open311 clients (other channels filing tickets): create one (its api_key shown once), revoke one. */
export function open311ClientRoutes(router: Router, deps: { store: TicketStore; clients: Open311Clients; auth: Auth }): void {
  const route = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => void fn(req, res).catch(next);
  const view = (c: Awaited<ReturnType<Open311Clients['list']>>[number]) => ({ id: c.id, name: c.name, createdAt: c.createdAt, createdBy: c.createdBy, revokedAt: c.revokedAt ?? null });

  router.get('/open311/clients', deps.auth.requireRole('admin'), route(async (_req, res) => res.json({ items: (await deps.clients.list()).map(view) })));

  router.post(
    '/open311/clients',
    deps.auth.requireRole('admin'),
    route(async (req, res) => {
      const body = parse(Open311ClientBody, req.body);
      const { client, apiKey } = await deps.clients.create(body.name, req.account!.username);
      await audit(deps.store, req, { action: 'open311.client.create', outcome: 'ok', detail: `${client.id} ${client.name}` });
      res.status(201).json({ ...view(client), apiKey });
    }),
  );

  router.delete(
    '/open311/clients/:id',
    deps.auth.requireRole('admin'),
    route(async (req, res) => {
      const id = String(req.params.id);
      if (!(await deps.clients.revoke(id, req.account!.username))) throw new ApiError(404, 'not-found', '没有这个接入方。');
      await audit(deps.store, req, { action: 'open311.client.revoke', outcome: 'ok', detail: id });
      res.status(204).end();
    }),
  );
}
