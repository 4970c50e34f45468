import { loadConfig } from '../../bot/config';
import { isTicketType, TICKET_TYPES, type TicketType } from '../tickets/ticket';
import { computeDeadlines, loadTimeLimits } from './deadlines';
import { WorkingCalendar } from './working-days';

/**
 * `npm run --silent deadline -- --received <ISO time> --type <type> [--urgent] [--enterprise]`: prints the
 * acknowledge and reply deadlines (`ack <time>`, `reply <time>`, ISO with +08:00), `resolve <time>` for enterprise
 * appeals, and `provisional` when a deadline falls in a year whose calendar is not published. A time without an
 * offset is read as Beijing time. Uses TIME_LIMITS_FILE / CALENDAR_OVERRIDES_FILE when set.
 */
const ALIASES: Record<string, TicketType> = {
  consultation: '咨询',
  help: '求助',
  complaint: '投诉',
  report: '举报',
  suggestion: '建议',
  praise: '表扬',
};

const USAGE = '用法：npm run --silent deadline -- --received 2026-09-30T10:00:00+08:00 --type 投诉 [--urgent] [--enterprise]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function main(argv: string[]): void {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) fail(`参数 ${flag} 缺少取值。`);
    return v;
  };
  const known = new Set(['--received', '--type', '--urgent', '--enterprise']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a)) fail(`不认识的参数 ${a}。`);
  const received = value('--received');
  const typeArg = value('--type');
  if (!received) fail('请用 --received 给出受理时间。');
  if (!typeArg) fail(`请用 --type 给出工单类型（${TICKET_TYPES.join('、')}）。`);
  const type = isTicketType(typeArg) ? typeArg : ALIASES[typeArg.toLowerCase()];
  if (!type) fail(`工单类型“${typeArg}”不正确，应为 ${TICKET_TYPES.join('、')} 之一。`);
  const withOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(received) ? received : /T\d{2}:\d{2}/.test(received) ? received + '+08:00' : received + 'T00:00:00+08:00';
  const at = new Date(withOffset);
  if (!/^\d{4}-\d{2}-\d{2}/.test(received) || Number.isNaN(at.getTime())) fail(`受理时间“${received}”不是有效的 ISO 时间。`);
  const config = loadConfig();
  const d = computeDeadlines(
    { receivedAt: at, type, urgent: argv.includes('--urgent'), enterprise: argv.includes('--enterprise') },
    loadTimeLimits(config.timeLimitsFile),
    WorkingCalendar.load(config.calendarOverridesFile),
  );
  const lines = [`ack ${d.ack}`, `reply ${d.reply}`];
  if (d.resolve) lines.push(`resolve ${d.resolve}`);
  if (d.provisional) lines.push('provisional');
  process.stdout.write(lines.join('\n') + '\n');
}

main(process.argv.slice(2));
