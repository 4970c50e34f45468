import type { NextFunction, Request, Response, Router } from 'express';
import type IORedis from 'ioredis';
import type { Catalogue } from '../../data/catalogue';
import { shanghaiDate } from '../../data/calendar/deadlines';
import { loadKnowledgeFile, type KnowledgeEntry } from '../../data/knowledge/entry';
import { SettingConflictError, type TicketStore } from '../../data/store/types';
import { activeAssignments, withAssignments } from '../../data/tickets/lifecycle';
import { redactText } from '../../data/validation/masking';
import type { KnowledgeHolder } from '../../workers/knowledge/holder';
import { announceSettings, SETTING, type KnowledgeSetting } from '../settings';
import { ApiError, forbidden, ticketNotFound } from './api-error';
import { audit, type Auth } from './auth';
import { KnowledgeEntryBody, KnowledgeListQuery, KnowledgeProposalBody, KnowledgeUpdateBody, TicketId } from './schemas';
import { parse } from './validate';
import { maySee } from './views';

export interface KnowledgeApiDeps {
  store: TicketStore;
  catalogue: Catalogue;
  knowledge: KnowledgeHolder;
  auth: Auth;
  redis: IORedis;
  prefix: string;
}

const notFound = () => new ApiError(404, 'not-found', '未找到该知识条目。');

/**
 * The knowledge base in the console: everyone reads it; administrators add, edit, publish and retire entries; an agent
 * turns its unit's answer into a proposed entry (draft) that an administrator reviews. The entries are one versioned
 * setting in the store; each entry also has its own version, so an edit made on an older copy of that entry is
 * refused while edits of other entries go through.
 */
export function knowledgeRoutes(router: Router, deps: KnowledgeApiDeps): void {
  const { store, catalogue, auth } = deps;
  const route = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => void fn(req, res).catch(next);

  /** Read-modify-write of the whole knowledge base, retried when another edit of any entry came in between. */
  async function change(by: string, mutate: (entries: KnowledgeEntry[]) => KnowledgeEntry[]): Promise<KnowledgeEntry[]> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const setting = await store.getSetting<KnowledgeSetting>(SETTING.knowledge);
      const next = mutate(setting ? setting.value.entries : loadKnowledgeFile());
      try {
        await store.putSetting<KnowledgeSetting>(SETTING.knowledge, { entries: next }, setting?.version ?? 0, by);
      } catch (err) {
        if (err instanceof SettingConflictError) continue;
        throw err;
      }
      deps.knowledge.replace(next);
      await announceSettings(deps.redis, deps.prefix);
      return next;
    }
    throw new ApiError(409, 'conflict', '知识库正被频繁修改，请稍后再试。');
  }

  const checkDepartment = (code: string) => {
    if (!catalogue.has(code)) throw new ApiError(400, 'unknown-department', '派单目录中没有这个单位，请从目录中选择。');
  };
  const nextId = (entries: KnowledgeEntry[]) => {
    const max = entries.reduce((m, e) => Math.max(m, Number(/^kb-(\d+)$/.exec(e.id)?.[1] ?? 0)), 0);
    return `kb-${String(max + 1).padStart(3, '0')}`;
  };

  router.get(
    '/knowledge',
    route(async (req, res) => {
      const q = parse(KnowledgeListQuery, req.query);
      const a = req.account!;
      const today = shanghaiDate(new Date());
      let items = [...deps.knowledge.entries];
      // Drafts and retired entries are the administrators' business (and the proposing unit's own drafts).
      if (a.role !== 'admin') items = items.filter((e) => e.status === 'published' || (e.status === 'draft' && e.department === a.department));
      if (q.status) items = items.filter((e) => e.status === q.status);
      if (q.department) items = items.filter((e) => e.department === q.department);
      if (q.q) {
        const hits = deps.knowledge.base.search(q.q, 50).map((h) => h.entry.id);
        const rank = new Map(hits.map((id, i) => [id, i]));
        const words = q.q.toLowerCase();
        items = items.filter((e) => rank.has(e.id) || e.answer.includes(words) || e.questions.some((x) => x.includes(words)));
        items.sort((x, y) => (rank.get(x.id) ?? 99) - (rank.get(y.id) ?? 99));
      }
      res.json({ items: items.map((e) => ({ ...e, departmentName: catalogue.nameOf(e.department), expired: e.validUntil < today })), total: items.length });
    }),
  );

  router.post(
    '/knowledge',
    auth.requireRole('admin'),
    route(async (req, res) => {
      const body = parse(KnowledgeEntryBody, req.body);
      checkDepartment(body.department);
      const at = new Date().toISOString();
      let created: KnowledgeEntry | undefined;
      await change(req.account!.username, (entries) => {
        created = { ...body, category: body.category ?? null, id: nextId(entries), version: 1, updatedAt: at, updatedBy: req.account!.username };
        return [...entries, created];
      });
      await audit(store, req, { action: 'knowledge.create', outcome: 'ok', detail: created!.id });
      res.status(201).json(created);
    }),
  );

  router.put(
    '/knowledge/:id',
    auth.requireRole('admin'),
    route(async (req, res) => {
      const id = String(req.params.id);
      const body = parse(KnowledgeUpdateBody, req.body);
      if (body.department) checkDepartment(body.department);
      const at = new Date().toISOString();
      let updated: KnowledgeEntry | undefined;
      await change(req.account!.username, (entries) => {
        const current = entries.find((e) => e.id === id);
        if (!current) throw notFound();
        if (current.version !== body.expectedVersion) throw new ApiError(409, 'conflict', '该条目刚刚被他人修改，请刷新后再试。');
        const { expectedVersion: _v, ...fields } = body;
        updated = { ...current, ...fields, version: current.version + 1, updatedAt: at, updatedBy: req.account!.username };
        return entries.map((e) => (e.id === id ? updated! : e));
      });
      await audit(store, req, { action: 'knowledge.update', outcome: 'ok', detail: `${id} ${Object.keys(body).filter((k) => k !== 'expectedVersion').join(',')}` });
      res.json(updated);
    }),
  );

  // An agent turns its unit's answer to a citizen into a proposed entry; the citizen's words are masked.
  router.post(
    '/tickets/:id/knowledge',
    auth.requireRole('agent', 'admin', 'dispatcher'),
    route(async (req, res) => {
      const ticketId = parse(TicketId, req.params.id);
      const body = parse(KnowledgeProposalBody, req.body);
      const a = req.account!;
      const ticket = await store.getTicket(ticketId);
      if (!ticket || !maySee({ account: a }, ticket)) throw ticketNotFound();
      const reply = ticket.replies?.find((r) => r.seq === body.reply && r.toCitizen);
      if (!reply) throw new ApiError(400, 'no-reply', '该工单没有这条答复，请选择已发给市民的答复。');
      if (a.role === 'agent' && reply.department !== a.department) throw forbidden('只能把本单位的答复转为知识库条目。');
      if (a.role === 'agent' && !activeAssignments(withAssignments(ticket)).some((x) => x.department === a.department) && !ticket.assignments?.some((x) => x.department === a.department)) throw ticketNotFound();
      const at = new Date().toISOString();
      const questions = [...new Set([...(body.questions ?? []), redactText(ticket.description).slice(0, 200)].map((q) => q.trim()).filter((q) => q.length >= 2))].slice(0, 20);
      let created: KnowledgeEntry | undefined;
      await change(a.username, (entries) => {
        const existing = entries.find((e) => e.source?.ticketId === ticketId && e.source.reply === body.reply);
        if (existing) {
          created = existing;
          return entries;
        }
        created = {
          id: nextId(entries),
          department: reply.department,
          category: null,
          questions,
          answer: (body.answer ?? reply.text).trim(),
          validUntil: body.validUntil,
          status: a.role === 'admin' ? 'published' : 'draft',
          version: 1,
          updatedAt: at,
          updatedBy: a.username,
          source: { ticketId, reply: body.reply },
        };
        return [...entries, created];
      });
      await audit(store, req, { action: 'knowledge.propose', ticketId, outcome: 'ok', detail: created!.id });
      res.status(201).json(created);
    }),
  );

}
