import * as fs from 'node:fs';
import * as path from 'node:path';
import chineseDays from 'chinese-days';
import { resolveDataFile } from '../catalogue';

/**
 * The official working-day calendar: the national calendar from the `chinese-days` package (statutory holidays and
 * make-up working days, 调休), corrected by a local override file. Years the calendar does not cover fall back to
 * Monday–Friday and are reported as provisional.
 */
export interface CalendarOverrides {
  holidays: string[];
  workdays: string[];
  publishedYears: number[];
}

const packageData = require('chinese-days/dist/chinese-days.json') as { holidays: Record<string, string>; workdays: Record<string, string> };

function yearsIn(dates: Record<string, string>): number[] {
  return [...new Set(Object.keys(dates).map((d) => Number(d.slice(0, 4))))];
}

/** Years the package carries the State Council's calendar for. */
const PACKAGE_YEARS = new Set(yearsIn(packageData.holidays));

export class WorkingCalendar {
  private readonly holidays: Set<string>;
  private readonly workdays: Set<string>;
  private readonly published: Set<number>;

  constructor(overrides: CalendarOverrides = { holidays: [], workdays: [], publishedYears: [] }) {
    this.holidays = new Set(overrides.holidays);
    this.workdays = new Set(overrides.workdays);
    this.published = new Set([...PACKAGE_YEARS, ...overrides.publishedYears]);
  }

  static load(file = path.join(__dirname, '..', 'calendar-overrides.json')): WorkingCalendar {
    return new WorkingCalendar(JSON.parse(fs.readFileSync(resolveDataFile(file), 'utf8')));
  }

  /** True when the official calendar for that year is known (published nationally or listed locally). */
  isPublished(year: number): boolean {
    return this.published.has(year);
  }

  /** Whether a civil date (YYYY-MM-DD, Asia/Shanghai) is a working day. */
  isWorkingDay(date: string): boolean {
    if (this.workdays.has(date)) return true;
    if (this.holidays.has(date)) return false;
    if (PACKAGE_YEARS.has(Number(date.slice(0, 4)))) return chineseDays.isWorkday(date);
    const weekday = new Date(date + 'T00:00:00Z').getUTCDay();
    return weekday >= 1 && weekday <= 5;
  }
}
