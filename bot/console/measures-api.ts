import type { NextFunction, Request, Response, Router } from 'express';
import type IORedis from 'ioredis';
import type { Catalogue } from '../../data/catalogue';
import { ALL_UNITS, DEFAULT_WEIGHTS, emptyCounts, measuresOf, WEIGHTS_SETTING, type ScoreWeights } from '../../data/measures/measures';
import { ENTERPRISE_CATEGORIES } from '../../data/knowledge/entry';
import { periodOf, today } from '../../data/measures/periods';
import { SettingConflictError, type TicketStore } from '../../data/store/types';
import { dashboard, hotspots, trends } from '../../workers/measures/dashboard';
import { ApiError } from './api-error';
import { audit, type Auth } from './auth';
import { HotspotQuery, MeasuresQuery, TrendsQuery, WeightsBody } from './schemas';
import { parse } from './validate';

export interface MeasuresApiDeps {
  store: TicketStore;
  catalogue: Catalogue;
  auth: Auth;
  redis: IORedis;
  prefix: string;
  now?: () => Date;
}

/** The measures pages' API: the period's measures and red/black list, trends, hotspots, and the ranking weights. */
export function measuresRoutes(router: Router, deps: MeasuresApiDeps): void {
  const route = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => void fn(req, res).catch(next);
  const now = () => (deps.now ?? (() => new Date()))();
  const centre = deps.auth.requireRole('supervisor', 'admin', 'dispatcher');

  async function weights(): Promise<{ weights: ScoreWeights; version: number }> {
    const s = await deps.store.getSetting<ScoreWeights>(WEIGHTS_SETTING);
    return { weights: s?.value ?? DEFAULT_WEIGHTS, version: s?.version ?? 0 };
  }

  router.get(
    '/measures',
    centre,
    route(async (req, res) => {
      const q = parse(MeasuresQuery, req.query);
      let period;
      try {
        period = periodOf(q.period, q.date ?? today(now()), q.until);
      } catch {
        throw new ApiError(400, 'invalid-input', '结束日期不能早于开始日期。');
      }
      if (q.period === 'custom' && period.toMs - period.fromMs > 366 * 86_400_000) throw new ApiError(400, 'invalid-input', '自定义期间最长一年。');
      const w = await weights();
      res.json({ ...(await dashboard(deps.store, deps.catalogue, { period, now: now(), enterprise: q.enterprise, category: q.category, weights: w.weights })), weightsVersion: w.version });
    }),
  );

  router.get(
    '/measures/enterprise',
    centre,
    route(async (req, res) => {
      const q = parse(MeasuresQuery, req.query);
      const period = periodOf(q.period, q.date ?? today(now()), q.until);
      const rows = await deps.store.measureCounts({ fromMs: period.fromMs, toMs: period.toMs, nowMs: now().getTime(), enterprise: true, groupBy: 'category' });
      const all = rows.find((r) => r.department === ALL_UNITS)!;
      res.json({
        period,
        total: measuresOf(all),
        categories: ENTERPRISE_CATEGORIES.map((category) => ({ category, ...measuresOf(rows.find((r) => r.department === category) ?? { ...emptyCounts(category) }) })),
      });
    }),
  );

  router.get(
    '/measures/trends',
    centre,
    route(async (req, res) => {
      const q = parse(TrendsQuery, req.query);
      res.json(await trends(deps.store, deps.catalogue, { day: q.date ?? today(now()), days: q.days, kind: q.kind, periods: q.periods, now: now(), enterprise: q.enterprise }));
    }),
  );

  router.get(
    '/measures/hotspots',
    centre,
    route(async (req, res) => {
      const q = parse(HotspotQuery, req.query);
      res.json(await hotspots(deps.store, { day: q.date ?? today(now()), weeksBefore: q.weeksBefore, minRepeat: q.minRepeat }));
    }),
  );

  router.get('/measures/weights', centre, route(async (_req, res) => res.json(await weights())));

  router.put(
    '/measures/weights',
    deps.auth.requireRole('admin'),
    route(async (req, res) => {
      const body = parse(WeightsBody, req.body);
      if (!Object.values(body.weights).some((v) => (v ?? 0) > 0)) throw new ApiError(400, 'invalid-input', '至少要有一项权重大于 0。');
      try {
        const s = await deps.store.putSetting<ScoreWeights>(WEIGHTS_SETTING, body.weights, body.expectedVersion, req.account!.username);
        await audit(deps.store, req, { action: 'settings.ranking-weights', outcome: 'ok', detail: JSON.stringify(body.weights) });
        res.json({ weights: s.value, version: s.version });
      } catch (err) {
        if (err instanceof SettingConflictError) throw new ApiError(409, 'conflict', '权重刚刚被他人修改，请刷新后再试。');
        throw err;
      }
    }),
  );
}
