import { addDuration, computeDeadlines, formatDeadlineZh, loadTimeLimits, nextWorkingDayAt } from '../data/calendar/deadlines';
import { WorkingCalendar } from '../data/calendar/working-days';

const limits = loadTimeLimits();
const calendar = WorkingCalendar.load();
const at = (iso: string) => new Date(iso);

describe('working-day calendar', () => {
  it('knows statutory holidays and make-up working days of 2026', () => {
    expect(calendar.isWorkingDay('2026-10-01')).toBe(false); // National Day
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true); // Saturday make-up day
    expect(calendar.isWorkingDay('2026-02-14')).toBe(true); // Saturday make-up day before the Spring Festival
    expect(calendar.isWorkingDay('2026-02-17')).toBe(false); // Spring Festival
    expect(calendar.isWorkingDay('2026-11-21')).toBe(false); // ordinary Saturday
  });
  it('falls back to Monday–Friday for a year not yet published, and says so', () => {
    expect(calendar.isPublished(2026)).toBe(true);
    expect(calendar.isPublished(2027)).toBe(false);
    expect(calendar.isWorkingDay('2027-01-04')).toBe(true);
    expect(calendar.isWorkingDay('2027-01-09')).toBe(false);
  });
  it('applies local overrides', () => {
    const local = new WorkingCalendar({ holidays: ['2026-11-23'], workdays: ['2026-11-22'], publishedYears: [2027] });
    expect(local.isWorkingDay('2026-11-23')).toBe(false);
    expect(local.isWorkingDay('2026-11-22')).toBe(true);
    expect(local.isPublished(2027)).toBe(true);
  });
});

describe('deadlines', () => {
  it('10 working days from 2026-09-30 skip National Day and count Saturday 10 October', () => {
    const d = computeDeadlines({ receivedAt: at('2026-09-30T10:00:00+08:00'), type: '投诉', urgent: false, enterprise: false }, limits, calendar);
    expect(d.reply).toBe('2026-10-20T23:59:59+08:00');
    expect(d.ack).toBe('2026-10-08T23:59:59+08:00');
    expect(d.provisional).toBe(false);
  });
  it('2 working days from Friday 13 February 2026 count Saturday 14 February, then skip the Spring Festival', () => {
    const d = computeDeadlines({ receivedAt: at('2026-02-13T16:00:00+08:00'), type: '咨询', urgent: false, enterprise: false }, limits, calendar);
    expect(d.ack).toBe('2026-02-14T23:59:59+08:00');
    expect(d.reply).toBe('2026-02-24T23:59:59+08:00');
  });
  it('urgent limits are calendar hours, over a weekend night too', () => {
    const d = computeDeadlines({ receivedAt: at('2026-11-21T23:30:00+08:00'), type: '求助', urgent: true, enterprise: false }, limits, calendar);
    expect(d.ack).toBe('2026-11-22T01:30:00+08:00');
    expect(d.reply).toBe('2026-11-22T23:30:00+08:00');
  });
  it('a deadline in 2027 before its calendar is published is provisional', () => {
    const d = computeDeadlines({ receivedAt: at('2026-12-28T09:00:00+08:00'), type: '投诉', urgent: false, enterprise: false }, limits, calendar);
    expect(d.provisional).toBe(true);
    expect(d.reply.startsWith('2027-01-')).toBe(true);
  });
  it('the day of receipt does not count, even when received just after midnight', () => {
    const d = computeDeadlines({ receivedAt: at('2026-11-23T00:05:00+08:00'), type: '咨询', urgent: false, enterprise: false }, limits, calendar);
    expect(d.ack).toBe('2026-11-24T23:59:59+08:00');
  });
  it('working hours walk office hours, skipping lunch, nights and weekends', () => {
    const oh = limits.officeHours;
    expect(addDuration(at('2026-11-20T17:00:00+08:00'), { workingHours: 1 }, calendar, oh).at.toISOString()).toBe('2026-11-23T01:30:00.000Z');
    expect(addDuration(at('2026-11-23T11:30:00+08:00'), { workingHours: 1 }, calendar, oh).at.toISOString()).toBe('2026-11-23T05:30:00.000Z');
  });
  it('formats deadlines for citizens', () => {
    expect(formatDeadlineZh('2026-10-20T23:59:59+08:00')).toBe('2026年10月20日（星期二）24时');
    expect(formatDeadlineZh('2026-11-22T01:30:00+08:00')).toBe('2026年11月22日（星期日）1时30分');
  });
});

describe('npm run deadline', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cli = require('node:path').join(__dirname, '..', 'dist', 'data', 'calendar', 'cli.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

  it('prints the acknowledge and reply deadlines, one per line, with their offset', () => {
    const r = run('--received', '2026-09-30T10:00:00+08:00', '--type', '投诉');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('ack 2026-10-08T23:59:59+08:00\nreply 2026-10-20T23:59:59+08:00\n');
    expect(run('--received', '2026-02-13T10:00', '--type', 'consultation').stdout).toBe('ack 2026-02-14T23:59:59+08:00\nreply 2026-02-24T23:59:59+08:00\n');
  });

  it('urgent, enterprise and provisional', () => {
    expect(run('--received', '2026-11-21T23:00:00+08:00', '--type', '求助', '--urgent').stdout).toBe('ack 2026-11-22T01:00:00+08:00\nreply 2026-11-22T23:00:00+08:00\n');
    expect(run('--received', '2026-11-23T16:50:00+08:00', '--type', '投诉', '--enterprise').stdout).toBe(
      'ack 2026-11-24T09:20:00+08:00\nreply 2026-11-26T23:59:59+08:00\nresolve 2026-12-14T23:59:59+08:00\n',
    );
    expect(run('--received', '2026-12-28T10:00:00+08:00', '--type', '投诉').stdout).toBe('ack 2026-12-29T23:59:59+08:00\nreply 2027-01-11T23:59:59+08:00\nprovisional\n');
  });

  it('bad input: a clear message in Chinese and exit code 2', () => {
    for (const args of [['--received', 'yesterday', '--type', '投诉'], ['--received', '2026-11-23T10:00', '--type', '吐槽'], ['--type', '投诉'], ['--received', '2026-11-23', '--type', '投诉', '--fast']]) {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe('nextWorkingDayAt', () => {
  const calendar = WorkingCalendar.load();
  it('skips the weekend, and is always a later day', () => {
    expect(nextWorkingDayAt(new Date('2026-11-27T15:00:00+08:00'), calendar, '10:00').toISOString()).toBe('2026-11-30T02:00:00.000Z');
    expect(nextWorkingDayAt(new Date('2026-11-23T08:00:00+08:00'), calendar, '10:00').toISOString()).toBe('2026-11-24T02:00:00.000Z');
    // 23:30 UTC on the 23rd is already the 24th in Shanghai.
    expect(nextWorkingDayAt(new Date('2026-11-23T23:30:00Z'), calendar, '10:00').toISOString()).toBe('2026-11-25T02:00:00.000Z');
  });
});
