import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

const departmentSchema = z.object({
  code: z.string().regex(/^[a-z0-9-]+$/, 'code must be lower-case letters, digits and dashes'),
  name: z.string().min(1),
  scope: z.array(z.string()).default([]),
});
const catalogueSchema = z.object({ version: z.number().int(), departments: z.array(departmentSchema).min(1) });

export type Department = z.infer<typeof departmentSchema>;
export { departmentSchema };

/** Code of the 12345 centre's own dispatch queue (人工派单), used when the classifier is unsure. */
export const DISPATCH_CENTRE = 'dispatch-centre';
export const DISPATCH_CENTRE_NAME = '12345中心派单组';

/** The dispatch catalogue (派单目录): the units tickets can be routed to, loaded from data, never hard-coded. */
export class Catalogue {
  private byCode!: Map<string, Department>;
  private current!: { version: number; departments: readonly Department[] };

  constructor(version: number, departments: readonly Department[]) {
    this.replace(version, departments);
  }

  get version(): number {
    return this.current.version;
  }

  get departments(): readonly Department[] {
    return this.current.departments;
  }

  /**
   * Swaps in an edited catalogue (an administrator changed it in the console). Everything holding this object sees
   * the new names at once; unit codes that tickets use are never removed by the console.
   */
  replace(version: number, departments: readonly Department[]): void {
    const byCode = new Map(departments.map((d) => [d.code, d]));
    if (byCode.size !== departments.length) throw new Error('Duplicate department code in catalogue');
    if (byCode.has(DISPATCH_CENTRE)) throw new Error(`"${DISPATCH_CENTRE}" is reserved for the dispatch centre`);
    this.byCode = byCode;
    this.current = { version, departments };
  }

  /** Validates a catalogue given as an object ({version, departments}). */
  static parse(raw: unknown): Catalogue {
    const parsed = catalogueSchema.parse(raw);
    return new Catalogue(parsed.version, parsed.departments);
  }

  has(code: string): boolean {
    return this.byCode.has(code);
  }

  get(code: string): Department | undefined {
    return this.byCode.get(code);
  }

  /** Chinese name of a department, or of the dispatch centre. */
  nameOf(code: string): string {
    if (code === DISPATCH_CENTRE) return DISPATCH_CENTRE_NAME;
    return this.byCode.get(code)?.name ?? code;
  }

  codes(): string[] {
    return this.departments.map((d) => d.code);
  }

  /** Loads and validates a catalogue file (default: data/departments.json). */
  static load(file: string = path.join(__dirname, 'departments.json')): Catalogue {
    const raw = JSON.parse(fs.readFileSync(resolveDataFile(file), 'utf8'));
    const parsed = catalogueSchema.parse(raw);
    return new Catalogue(parsed.version, parsed.departments);
  }
}

/** Data files live beside the sources in data/; from dist/ they are found in the project's data/ folder. */
export function resolveDataFile(file: string): string {
  if (fs.existsSync(file)) return file;
  const fromDist = file.replace(`${path.sep}dist${path.sep}data${path.sep}`, `${path.sep}data${path.sep}`);
  if (fs.existsSync(fromDist)) return fromDist;
  throw new Error('Data file not found: ' + file);
}
